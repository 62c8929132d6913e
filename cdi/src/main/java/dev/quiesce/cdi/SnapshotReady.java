package dev.quiesce.cdi;

import dev.quiesce.spi.Snapshot;
import java.time.Duration;
import java.util.List;

/**
 * Fired synchronously when every snapshot of an operation is complete and readable
 * (SPEC.md S14). Observers run in {@code @Priority} order; one that throws is logged and
 * does not undo the snapshot.
 *
 * @param operation    the snapshot (or snapshot set) name
 * @param snapshots    the ready snapshots, one per target
 * @param freezeWindow the measured freeze window (C4)
 */
public record SnapshotReady(String operation, List<Snapshot> snapshots, Duration freezeWindow) {
    public SnapshotReady {
        snapshots = List.copyOf(snapshots);
    }
}
