package dev.quiesce.dmsnap;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@link java.util.ServiceLoader} entry for {@code dmsnap}. Keys: {@code store}
 * (required), {@code chunk-size}, {@code store-size}; any other key fails with
 * {@link DmsnapConfigurationException} naming it.
 */
public final class DmsnapProviderFactory implements SnapshotProviderFactory {
    public static final String STORE = "store";
    public static final String CHUNK_SIZE = "chunk-size";
    public static final String STORE_SIZE = "store-size";
    static final int DEFAULT_CHUNK = 4096;

    @Override
    public String name() {
        return DmsnapProvider.NAME;
    }

    @Override
    public String description() {
        return "copy-on-write snapshots like device-mapper's, chunks shared between snapshots, usage-bitmap aware";
    }

    @Override
    public Map<String, String> configurationKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(STORE, "path of the copy-on-write store file (required); made on first use if missing");
        keys.put(CHUNK_SIZE, "bytes per chunk, a power of two from 512 to 1048576 (default 4096); "
                + "applies when the store is made, an existing store keeps its own");
        keys.put(STORE_SIZE, "bytes of a store file made on first use (default: the origin's size plus metadata)");
        return keys;
    }

    @Override
    public SnapshotProvider create(Map<String, String> configuration) throws SnapshotException {
        TreeSet<String> unknown = new TreeSet<>(configuration.keySet());
        unknown.removeAll(configurationKeys().keySet());
        if (!unknown.isEmpty()) {
            throw new DmsnapConfigurationException(new ArrayList<>(unknown), "unknown configuration key(s) "
                    + unknown + "; known: " + configurationKeys().keySet());
        }
        String store = configuration.get(STORE);
        if (store == null || store.isBlank()) {
            throw new DmsnapConfigurationException(List.of(STORE), "'" + STORE + "' (the store file path) is required");
        }
        int chunk = (int) number(configuration, CHUNK_SIZE, DEFAULT_CHUNK);
        if (chunk < StoreGeometry.MIN_CHUNK || chunk > StoreGeometry.MAX_CHUNK || Integer.bitCount(chunk) != 1) {
            throw new DmsnapConfigurationException(List.of(CHUNK_SIZE), "'" + CHUNK_SIZE + "' must be a power of two from "
                    + StoreGeometry.MIN_CHUNK + " to " + StoreGeometry.MAX_CHUNK + ", was " + chunk);
        }
        long storeSize = number(configuration, STORE_SIZE, 0);
        if (storeSize < 0 || storeSize % 512 != 0) {
            throw new DmsnapConfigurationException(List.of(STORE_SIZE), "'" + STORE_SIZE
                    + "' must be a positive multiple of 512, was " + storeSize);
        }
        return DmsnapProvider.onFile(Path.of(store), chunk, storeSize);
    }

    private static long number(Map<String, String> configuration, String key, long fallback)
            throws DmsnapConfigurationException {
        String v = configuration.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            DmsnapConfigurationException x = new DmsnapConfigurationException(List.of(key),
                    "'" + key + "' must be a whole number of bytes, was '" + v + "'");
            x.initCause(e);
            throw x;
        }
    }
}
