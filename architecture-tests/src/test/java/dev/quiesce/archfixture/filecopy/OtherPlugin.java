package dev.quiesce.archfixture.filecopy;

/** A plugin others must not use. */
public class OtherPlugin {
}
