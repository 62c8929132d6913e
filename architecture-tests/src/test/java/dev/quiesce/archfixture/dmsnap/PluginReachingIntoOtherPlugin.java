package dev.quiesce.archfixture.dmsnap;

import dev.quiesce.archfixture.filecopy.OtherPlugin;

/** Violates the plugin rule: one plugin using another. */
public class PluginReachingIntoOtherPlugin {
    public OtherPlugin other;
}
