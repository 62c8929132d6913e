package dev.quiesce.archfixture.cyclea;

import dev.quiesce.archfixture.cycleb.CycleB;

/** One half of a package cycle. */
public class CycleA {
    public CycleB b;
}
