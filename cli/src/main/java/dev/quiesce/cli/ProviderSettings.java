package dev.quiesce.cli;

import dev.quiesce.cdi.ProviderConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The configuration the CLI hands to provider factories, layered: defaults a command
 * chooses (e.g. a store beside the image), then system properties
 * {@code quiesce.provider.<name>.<key>}, then {@code --config <name>.<key>=<value>}
 * from the command line, the last winning. Settled before a provider is first used,
 * because provider beans are created once per run.
 */
@ApplicationScoped
public class ProviderSettings {
    private final Map<String, Map<String, String>> defaults = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> explicit = new ConcurrentHashMap<>();

    /** A default the command chose for {@code provider}; explicit settings win over it. */
    public void defaultFor(String provider, String key, String value) {
        defaults.computeIfAbsent(provider, p -> new ConcurrentHashMap<>()).put(key, value);
    }

    /**
     * An explicit setting, {@code <provider>.<key>=<value>}.
     *
     * @throws IllegalArgumentException if it is not of that form
     */
    public void explicit(String assignment) {
        int eq = assignment.indexOf('=');
        int dot = assignment.indexOf('.');
        if (eq < 0 || dot < 1 || dot > eq - 2) {
            throw new IllegalArgumentException("configuration '" + assignment
                    + "' is not of the form <provider>.<key>=<value>, e.g. dmsnap.chunk-size=65536");
        }
        explicit.computeIfAbsent(assignment.substring(0, dot), p -> new ConcurrentHashMap<>())
                .put(assignment.substring(dot + 1, eq), assignment.substring(eq + 1));
    }

    /** Every key {@code provider} gets, layered as described above. */
    public Map<String, String> forProvider(String provider) {
        Map<String, String> keys = new TreeMap<>(defaults.getOrDefault(provider, Map.of()));
        keys.putAll(ProviderConfiguration.systemProperties().forProvider(provider));
        keys.putAll(explicit.getOrDefault(provider, Map.of()));
        return Map.copyOf(keys);
    }

    @Produces
    ProviderConfiguration configuration() {
        return this::forProvider;
    }
}
