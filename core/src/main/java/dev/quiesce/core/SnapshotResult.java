package dev.quiesce.core;

import dev.quiesce.spi.Snapshot;
import java.time.Duration;

/**
 * A completed consistent snapshot (SPEC.md C4).
 *
 * @param snapshot     the ready snapshot
 * @param freezeWindow from frozen to thawed: the stall
 * @param freezing     how long the freeze took
 * @param cutting      how long the cut took
 */
public record SnapshotResult(Snapshot snapshot, Duration freezeWindow, Duration freezing, Duration cutting) {
}
