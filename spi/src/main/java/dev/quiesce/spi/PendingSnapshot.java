package dev.quiesce.spi;

/**
 * A snapshot on its way: made by {@link SnapshotProvider#prepare}, then cut under the
 * freeze, then completed after the thaw. VSS calls these PrepareForSnapshot, Commit and
 * PostCommit.
 *
 * <p>Contract (SPEC.md):
 * <ul>
 *   <li>S9: {@link #cut()} is fast and does no I/O to the frozen source other than the
 *       provider's own copy-on-write machinery; it never thaws the source.</li>
 *   <li>S7: {@link #abort()} may come at any step, from any thread, more than once; after
 *       it, nothing this pending snapshot created remains (no listed snapshot, no store
 *       space, no file). Aborting after {@link #complete()} is a no-op.</li>
 *   <li>S4: when {@code prepare} found a snapshot of the same name and source, the pending
 *       snapshot resolves to it, and abort leaves it alone.</li>
 * </ul>
 */
public interface PendingSnapshot {

    /** The request this was prepared for. */
    SnapshotRequest request();

    /** Makes the cut; the source must be quiesced (frozen, or the provider freezes itself). */
    Snapshot cut() throws SnapshotException;

    /**
     * Makes the cut knowing which blocks were in use at the freeze (F15, S1): the
     * coordinator learns the bitmap only from the freeze, after {@code prepare}. A provider
     * whose {@link Capabilities#usesBlockUsage()} is true may skip the other blocks, which
     * then read as zeros from the snapshot. By default the bitmap is ignored and this is
     * {@link #cut()}.
     */
    default Snapshot cut(BlockUsage usageAtFreeze) throws SnapshotException {
        return cut();
    }

    /** Finishes after the thaw and returns the ready snapshot (its {@code isReady()} is true). */
    Snapshot complete() throws SnapshotException;

    /** Undoes everything this pending snapshot created; idempotent (S7). */
    void abort();
}
