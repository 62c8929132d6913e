package dev.quiesce.cdi;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Snapshot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A consistent snapshot (or snapshot set) that is ready: one snapshot per member, in
 * member order, the freeze window measured around the cuts (SPEC.md C4), and the blocks
 * each target reported in use when it froze (F15).
 *
 * @param operation     the name the caller gave
 * @param snapshots     the ready snapshots
 * @param freezeWindow  from the first target frozen to the last thawed
 * @param usageAtFreeze per member, the block-usage bitmap its freeze reported, if any:
 *                      what a backup must copy even when the provider kept no bitmap
 */
public record ConsistentSnapshot(String operation, List<Snapshot> snapshots, Duration freezeWindow,
                                 List<Optional<BlockUsage>> usageAtFreeze) {
    public ConsistentSnapshot {
        snapshots = List.copyOf(snapshots);
        usageAtFreeze = List.copyOf(usageAtFreeze);
    }

    /** The snapshot of a single-member operation (the first member's otherwise). */
    public Snapshot snapshot() {
        return snapshots.get(0);
    }

    /**
     * The blocks of the first member a copy needs: the snapshot's own bitmap, else the one
     * its target reported at the freeze; empty means every block.
     */
    public Optional<BlockUsage> blocksToCopy() {
        Optional<BlockUsage> own = snapshot().blockUsage();
        return own.isPresent() ? own : usageAtFreeze.isEmpty() ? Optional.empty() : usageAtFreeze.get(0);
    }
}
