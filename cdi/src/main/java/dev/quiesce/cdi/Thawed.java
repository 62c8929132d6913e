package dev.quiesce.cdi;

import java.time.Duration;
import java.util.List;

/**
 * Fired synchronously once every target of a successful operation has thawed, with the
 * freeze window the coordinator measured (SPEC.md C4), just before {@link SnapshotReady}.
 * A failed operation fires {@link BackupFailed} instead, also after every thaw. Observers
 * run in {@code @Priority} order; one that throws is logged and does not undo the
 * snapshot.
 *
 * @param operation    the snapshot (or snapshot set) name
 * @param targets      the targets that thawed
 * @param freezeWindow from the first freeze completing to the last thaw
 */
public record Thawed(String operation, List<String> targets, Duration freezeWindow) {
    public Thawed {
        targets = List.copyOf(targets);
    }
}
