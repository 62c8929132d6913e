package dev.quiesce.archfixture.core;

import dev.quiesce.archfixture.filecopy.OtherPlugin;

/** Violates the core rule: the core using a plugin. */
public class CoreReachingIntoPlugin {
    public OtherPlugin plugin;
}
