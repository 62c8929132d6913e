package dev.quiesce.core;

import dev.quiesce.spi.QuiesceException;
import java.util.List;

/**
 * No {@link dev.quiesce.spi.SnapshotProviderFactory} of the asked name was found through
 * {@link java.util.ServiceLoader}; the message lists the names that were. Add the plugin
 * to the class path (or the class loader given), or fix the name.
 */
public final class ProviderNotFoundException extends QuiesceException {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final List<String> available;

    public ProviderNotFoundException(String name, List<String> available) {
        super("no snapshot provider named '" + name + "'; found: "
                + (available.isEmpty() ? "none (is a plugin on the class path?)" : String.join(", ", available)));
        this.name = name;
        this.available = List.copyOf(available);
    }

    /** The name asked for. */
    public String name() { return name; }

    /** The names found, sorted. */
    public List<String> available() { return available; }
}
