package dev.quiesce.cdi;

import dev.quiesce.spi.Snapshot;
import java.time.Duration;
import java.util.List;

/**
 * A consistent snapshot (or snapshot set) that is ready: one snapshot per member, in
 * member order, and the freeze window measured around the cuts (SPEC.md C4).
 *
 * @param operation    the name the caller gave
 * @param snapshots    the ready snapshots
 * @param freezeWindow from the first target frozen to the last thawed
 */
public record ConsistentSnapshot(String operation, List<Snapshot> snapshots, Duration freezeWindow) {
    public ConsistentSnapshot {
        snapshots = List.copyOf(snapshots);
    }

    /** The snapshot of a single-member operation (the first member's otherwise). */
    public Snapshot snapshot() {
        return snapshots.get(0);
    }
}
