package dev.quiesce.core;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds snapshot provider plugins by name through {@link ServiceLoader}. Without a class
 * loader the thread's context class loader is searched (falling back to the SPI's own);
 * pass one explicitly where plugins live in a child loader.
 */
public final class Providers {
    private Providers() {
    }

    /** Every factory visible to {@code loader}, by name. Two plugins with one name are an error. */
    public static Map<String, SnapshotProviderFactory> factories(ClassLoader loader) {
        Map<String, SnapshotProviderFactory> byName = new TreeMap<>();
        for (SnapshotProviderFactory f : ServiceLoader.load(SnapshotProviderFactory.class, loader)) {
            SnapshotProviderFactory clash = byName.putIfAbsent(f.name(), f);
            if (clash != null && clash.getClass() != f.getClass()) {
                throw new IllegalStateException("two snapshot providers are named '" + f.name() + "': "
                        + clash.getClass().getName() + " and " + f.getClass().getName());
            }
        }
        return byName;
    }

    /** As {@link #factories(ClassLoader)} with the default loader. */
    public static Map<String, SnapshotProviderFactory> factories() {
        return factories(defaultLoader());
    }

    /** The factory named {@code name} visible to {@code loader}. */
    public static SnapshotProviderFactory factory(String name, ClassLoader loader) throws ProviderNotFoundException {
        Objects.requireNonNull(name, "name");
        Map<String, SnapshotProviderFactory> all = factories(loader);
        SnapshotProviderFactory f = all.get(name);
        if (f == null) {
            throw new ProviderNotFoundException(name, new ArrayList<>(all.keySet()));
        }
        return f;
    }

    /** The factory named {@code name} visible to the default loader. */
    public static SnapshotProviderFactory factory(String name) throws ProviderNotFoundException {
        return factory(name, defaultLoader());
    }

    /** Finds the factory named {@code name} and creates a provider from {@code configuration}. */
    public static SnapshotProvider create(String name, Map<String, String> configuration, ClassLoader loader)
            throws ProviderNotFoundException, SnapshotException {
        return factory(name, loader).create(Map.copyOf(configuration));
    }

    /** As {@link #create(String, Map, ClassLoader)} with the default loader. */
    public static SnapshotProvider create(String name, Map<String, String> configuration)
            throws ProviderNotFoundException, SnapshotException {
        return create(name, configuration, defaultLoader());
    }

    /** The names found, for listings. */
    public static List<String> names(ClassLoader loader) {
        return new ArrayList<>(factories(loader).keySet());
    }

    private static ClassLoader defaultLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : SnapshotProviderFactory.class.getClassLoader();
    }
}
