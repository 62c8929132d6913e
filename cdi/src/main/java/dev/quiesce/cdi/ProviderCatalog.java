package dev.quiesce.cdi;

import dev.quiesce.core.ProviderNotFoundException;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The provider factories {@link QuiesceExtension} found, by name, for listings and for
 * errors that must name what is available. Injectable as a bean.
 */
public final class ProviderCatalog {
    private final Map<String, SnapshotProviderFactory> factories;

    ProviderCatalog(Map<String, SnapshotProviderFactory> factories) {
        this.factories = Map.copyOf(factories);
    }

    /** The names of every discovered provider, sorted. */
    public List<String> names() {
        return factories.keySet().stream().sorted().collect(Collectors.toList());
    }

    /** The factory registered as {@code name}, if any. */
    public Optional<SnapshotProviderFactory> factory(String name) {
        return Optional.ofNullable(factories.get(name));
    }

    /**
     * The factory registered as {@code name}.
     *
     * @throws ProviderNotFoundException naming every known provider
     */
    public SnapshotProviderFactory require(String name) throws ProviderNotFoundException {
        SnapshotProviderFactory factory = factories.get(name);
        if (factory == null) {
            throw new ProviderNotFoundException(name, names());
        }
        return factory;
    }
}
