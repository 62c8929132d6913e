package dev.quiesce.cdi;

import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import java.util.Objects;

/**
 * One volume of a snapshot (set): what to freeze, what to snapshot, and which provider
 * does it. {@code target} is usually the filesystem mounted on {@code source}'s device.
 */
public record SnapshotSetMember(Freezable target, SnapshotSource source, SnapshotProvider provider) {
    public SnapshotSetMember {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(provider, "provider");
    }
}
