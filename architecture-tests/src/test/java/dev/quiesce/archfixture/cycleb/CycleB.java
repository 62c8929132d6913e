package dev.quiesce.archfixture.cycleb;

import dev.quiesce.archfixture.cyclea.CycleA;

/** The other half of a package cycle. */
public class CycleB {
    public CycleA a;
}
