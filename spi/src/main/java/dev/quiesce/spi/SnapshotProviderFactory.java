package dev.quiesce.spi;

import java.util.Map;

/**
 * The {@link java.util.ServiceLoader} entry point of a provider plugin: register the
 * implementation in {@code META-INF/services/dev.quiesce.spi.SnapshotProviderFactory}.
 * The implementation needs a public no-argument constructor. Every provider it creates
 * is held to SPEC.md S1-S14; {@code quiesce kit PLUGIN.jar} checks them.
 */
public interface SnapshotProviderFactory {

    /** A short unique name, e.g. {@code dmsnap}: lowercase letters, digits and '-'. */
    String name();

    /** One line for listings. */
    default String description() {
        return name();
    }

    /** The configuration keys it understands, each with what it means and its default. */
    default Map<String, String> configurationKeys() {
        return Map.of();
    }

    /**
     * Creates a provider from {@code configuration}; an unknown key or a bad value fails
     * with a {@link SnapshotException} that names it.
     */
    SnapshotProvider create(Map<String, String> configuration) throws SnapshotException;
}
