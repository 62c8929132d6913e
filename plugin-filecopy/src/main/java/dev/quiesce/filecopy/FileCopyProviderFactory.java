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
 *
 * <p>The providers it makes keep SPEC.md S1-S14 (checked by the conformance kit for each
 * technique). Their capabilities (S8): none freezes the source itself, so the caller
 * freezes first;
 * <ul>
 *   <li>{@code full-copy}: cut cost {@code USED_BLOCKS} and uses the usage bitmap (a
 *       request without one counts every block as used); with
 *       {@code skip-free-blocks=false}, {@code DEVICE_SIZE} and the bitmap is ignored;</li>
 *   <li>{@code reflink}: cut cost {@code CONSTANT} (the clone shares extents); supports
 *       only image files on the snapshot directory's filesystem, and only where a trial
 *       clone there works (S12 names the filesystem otherwise);</li>
 *   <li>{@code split-mirror}: cut cost {@code CONSTANT}; supports sources whose device
 *       is a {@link MirroredBlockDevice}.</li>
 * </ul>
 * Snapshots persist in the snapshot directory and are listed again by a new provider on
 * the same directory (S10). One process should own a snapshot directory at a time.
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
