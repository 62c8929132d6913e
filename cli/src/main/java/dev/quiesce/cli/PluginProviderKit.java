package dev.quiesce.cli;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;

/**
 * The conformance kit as {@code quiesce kit} runs it on a plugin jar: the kit's rules
 * against subjects made by the {@link KitTarget} the command set up. Not for use outside
 * the kit command, which runs one target at a time.
 */
public class PluginProviderKit extends SnapshotProviderKit {
    static volatile KitTarget target;

    public PluginProviderKit() {
    }

    private static KitTarget target() {
        KitTarget t = target;
        if (t == null) {
            throw new IllegalStateException("PluginProviderKit runs only under 'quiesce kit'");
        }
        return t;
    }

    @Override
    protected ProviderSubject createSubject() throws Exception {
        return target().newSubject();
    }

    @Override
    protected String subjectName() {
        return "kit-" + target().providerName();
    }
}
