package dev.quiesce.core;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.util.Map;

/** Registered in this module's test META-INF/services as "test-scripted". */
public final class TestProviderFactory implements SnapshotProviderFactory {
    @Override public String name() { return "test-scripted"; }

    @Override
    public SnapshotProvider create(Map<String, String> configuration) throws SnapshotException {
        for (String key : configuration.keySet()) {
            throw new SnapshotException(name(), null, "unknown configuration key '" + key + "'");
        }
        return new ScriptedProvider(new Journal());
    }

    /** Registered only through a child class loader in {@link ProvidersTest}. */
    public static final class ChildOnly implements SnapshotProviderFactory {
        @Override public String name() { return "child-only"; }

        @Override
        public SnapshotProvider create(Map<String, String> configuration) {
            return new ScriptedProvider(new Journal());
        }
    }
}
