package dev.quiesce.core;

import dev.quiesce.spi.Snapshot;
import java.time.Duration;
import java.util.List;

/**
 * A completed snapshot set (SPEC.md C4).
 *
 * @param snapshots    the ready snapshots, in member order
 * @param freezeWindow from the first target frozen to the last thawed: the stall
 * @param freezing     from the first freeze call until every target was frozen
 * @param cutting      how long the cuts took
 */
public record SnapshotSetResult(List<Snapshot> snapshots, Duration freezeWindow, Duration freezing,
                                Duration cutting) {
    public SnapshotSetResult {
        snapshots = List.copyOf(snapshots);
    }
}
