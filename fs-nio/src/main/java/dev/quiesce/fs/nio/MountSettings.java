package dev.quiesce.fs.nio;

import java.time.Duration;
import java.util.Map;

/**
 * The {@code env} map of {@code newFileSystem}, checked: every value may be a String or
 * the natural type (Boolean, Number). An unknown key is an error, so a typo is not
 * silently ignored.
 */
record MountSettings(boolean readOnly, boolean create, long blocks, int blockSize, Duration commitInterval) {
    private static final java.util.Set<String> KEYS =
            java.util.Set.of("readOnly", "create", "blocks", "blockSize", "commitIntervalMillis");

    static MountSettings of(Map<String, ?> env) {
        for (String k : env.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown Dusk filesystem setting '" + k + "'; known: " + KEYS);
            }
        }
        return new MountSettings(bool(env, "readOnly"), bool(env, "create"), number(env, "blocks", 65536),
                (int) number(env, "blockSize", 4096), Duration.ofMillis(number(env, "commitIntervalMillis", 5000)));
    }

    private static boolean bool(Map<String, ?> env, String key) {
        Object v = env.get(key);
        return v != null && (v instanceof Boolean ? (Boolean) v : Boolean.parseBoolean(v.toString()));
    }

    private static long number(Map<String, ?> env, String key, long defaultValue) {
        Object v = env.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            long n = v instanceof Number ? ((Number) v).longValue() : Long.parseLong(v.toString().trim());
            if (n <= 0) {
                throw new IllegalArgumentException("Dusk filesystem setting " + key + " must be positive, was " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Dusk filesystem setting " + key + " is not a number: " + v, e);
        }
    }
}
