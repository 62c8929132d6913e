package dev.quiesce.cdi;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where the configuration map handed to each
 * {@link dev.quiesce.spi.SnapshotProviderFactory#create(Map)} comes from.
 *
 * <p>An application that declares a bean of this type decides; without one, the keys
 * come from system properties named {@code quiesce.provider.<name>.<key>} (for example
 * {@code -Dquiesce.provider.dmsnap.store=/var/lib/quiesce/cow}), and a provider given no
 * keys uses its own documented defaults.
 */
@FunctionalInterface
public interface ProviderConfiguration {

    /** The system-property prefix of the default configuration. */
    String SYSTEM_PROPERTY_PREFIX = "quiesce.provider.";

    /** The configuration for the provider called {@code providerName}; never null. */
    Map<String, String> forProvider(String providerName);

    /** Keys from system properties {@code quiesce.provider.<name>.<key>}, read at each call. */
    static ProviderConfiguration systemProperties() {
        return name -> {
            String prefix = SYSTEM_PROPERTY_PREFIX + name + ".";
            Map<String, String> keys = new TreeMap<>();
            System.getProperties().forEach((k, v) -> {
                String key = String.valueOf(k);
                if (key.startsWith(prefix) && key.length() > prefix.length()) {
                    keys.put(key.substring(prefix.length()), String.valueOf(v));
                }
            });
            return Map.copyOf(keys);
        };
    }

    /** Fixed keys per provider name; a provider not in {@code byProvider} gets none. */
    static ProviderConfiguration of(Map<String, Map<String, String>> byProvider) {
        Map<String, Map<String, String>> copy = new TreeMap<>();
        byProvider.forEach((name, keys) -> copy.put(Objects.requireNonNull(name), Map.copyOf(keys)));
        return name -> copy.getOrDefault(name, Map.of());
    }
}
