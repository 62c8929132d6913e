package dev.quiesce.filecopy;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.util.Map;

/**
 * The {@link java.util.ServiceLoader} entry point of the {@code filecopy} provider:
 * snapshots of image files by full copy, by reflink, or by splitting off the replica of
 * a {@link MirroredBlockDevice}. Configuration keys: {@link #configurationKeys()}; an
 * unknown key or bad value fails with {@link FileCopyConfigurationException} naming it.
 */
public final class FileCopyProviderFactory implements SnapshotProviderFactory {
    /** The provider's registered name. */
    public static final String NAME = "filecopy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "snapshots of image files: full copy (sparse with a usage bitmap), reflink clone, split mirror";
    }

    @Override
    public Map<String, String> configurationKeys() {
        return Settings.keys();
    }

    @Override
    public SnapshotProvider create(Map<String, String> configuration) throws SnapshotException {
        return FileCopyProvider.open(Settings.parse(configuration));
    }
}
