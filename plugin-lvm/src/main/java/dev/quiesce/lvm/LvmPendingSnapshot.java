package dev.quiesce.lvm;

import dev.quiesce.lvm.LvsReport.LogicalVolume;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;

/**
 * One snapshot on its way through LVM. {@code prepare} checked everything that can be
 * checked without changing anything; {@link #cut()} runs the one LVM command that makes
 * the snapshot (constant time, whatever the volume's size); {@link #complete()} only marks
 * it ready; {@link #abort()} removes or merges back whatever the cut made (S7). A pending
 * snapshot that resolved to an existing one of the same name and source leaves it alone
 * on abort (S4).
 */
final class LvmPendingSnapshot implements PendingSnapshot {
    private enum Step { PREPARED, CUT, COMPLETED, ABORTED }

    private final LvmSnapshotProvider provider;
    private final SnapshotRequest request;
    private final LogicalVolume origin;
    private final LvmSnapshot existing;
    private Step step = Step.PREPARED;
    private LvmSnapshot made;
    private boolean cutAttempted;

    LvmPendingSnapshot(LvmSnapshotProvider provider, SnapshotRequest request, LogicalVolume origin) {
        this(provider, request, origin, null);
    }

    private LvmPendingSnapshot(LvmSnapshotProvider provider, SnapshotRequest request, LogicalVolume origin,
                               LvmSnapshot existing) {
        this.provider = provider;
        this.request = request;
        this.origin = origin;
        this.existing = existing;
    }

    static LvmPendingSnapshot resolved(LvmSnapshotProvider provider, SnapshotRequest request, LvmSnapshot existing) {
        return new LvmPendingSnapshot(provider, request, null, existing);
    }

    @Override
    public SnapshotRequest request() {
        return request;
    }

    @Override
    public synchronized Snapshot cut() throws SnapshotException {
        if (existing != null) {
            return existing;
        }
        switch (step) {
            case ABORTED:
                throw new SnapshotException(provider.name(), request.name(), "the pending snapshot was aborted");
            case CUT:
            case COMPLETED:
                return made;
            default:
                break;
        }
        cutAttempted = true;
        made = provider.cut(request.name(), request.source().id(), origin);
        step = Step.CUT;
        return made;
    }

    @Override
    public synchronized Snapshot complete() throws SnapshotException {
        if (existing != null) {
            return existing;
        }
        if (step == Step.ABORTED) {
            throw new SnapshotException(provider.name(), request.name(), "the pending snapshot was aborted");
        }
        if (step == Step.PREPARED) {
            throw new SnapshotException(provider.name(), request.name(), "complete() before cut()");
        }
        made = made.ready();
        step = Step.COMPLETED;
        return made;
    }

    @Override
    public synchronized void abort() {
        if (existing != null || step == Step.COMPLETED || step == Step.ABORTED) {
            return;
        }
        step = Step.ABORTED;
        if (!cutAttempted) {
            return;
        }
        try {
            provider.undoCut(request.name(), origin);
        } catch (SnapshotException | RuntimeException e) {
            // abort() cannot throw; what is left stays tagged, so list() shows it and
            // delete() can remove it later.
            System.getLogger(LvmPendingSnapshot.class.getName()).log(System.Logger.Level.WARNING,
                    "abort of " + request + " could not remove what the cut made", e);
        }
    }
}
