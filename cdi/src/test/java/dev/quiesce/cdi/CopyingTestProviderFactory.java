package dev.quiesce.cdi;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.util.Map;

/** Registers {@link CopyingTestProvider} as {@code test-copy}; the key {@code fail} makes creation fail. */
public class CopyingTestProviderFactory implements SnapshotProviderFactory {
    @Override public String name() { return "test-copy"; }

    @Override public Map<String, String> configurationKeys() {
        return Map.of("label", "free text, default none", "fail", "any value makes create fail");
    }

    @Override
    public SnapshotProvider create(Map<String, String> configuration) throws SnapshotException {
        if (configuration.containsKey("fail")) {
            throw new SnapshotException(name(), null, "configuration key 'fail' refused: " + configuration.get("fail"));
        }
        return new CopyingTestProvider(name(), configuration);
    }

    /** A second provider name, so that iteration over {@code @Any} has more than one. */
    public static final class Other extends CopyingTestProviderFactory {
        @Override public String name() { return "test-other"; }
    }

    /** A clash with {@code test-copy}, loaded only through a custom class loader. */
    public static final class Duplicate extends CopyingTestProviderFactory {
    }
}
