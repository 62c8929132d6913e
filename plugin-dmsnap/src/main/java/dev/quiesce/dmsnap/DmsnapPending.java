package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import java.io.IOException;

/**
 * One snapshot on its way (S4, S7, S9, S14): prepare has reserved and written its usage
 * bitmap; {@link #cut()} opens its interval in memory, constant time and no I/O;
 * {@link #complete()} makes it durable and listed; {@link #abort()} deletes whatever exists.
 * When prepare found the same name and source, it resolves to that snapshot and abort
 * leaves it alone.
 */
final class DmsnapPending implements PendingSnapshot {
    private enum State { PREPARED, CUT, COMPLETE, ABORTED }

    private final DmsnapProvider provider;
    private final CowEngine engine;
    private final SnapshotRequest request;
    private final SnapshotRecord record;
    private final DmsnapSnapshot existing;
    private State state;

    DmsnapPending(DmsnapProvider provider, SnapshotRequest request, CowEngine engine, SnapshotRecord record) {
        this.provider = provider;
        this.engine = engine;
        this.request = request;
        this.record = record;
        this.existing = null;
        this.state = State.PREPARED;
    }

    DmsnapPending(DmsnapProvider provider, SnapshotRequest request, CowEngine engine, DmsnapSnapshot existing) {
        this.provider = provider;
        this.engine = engine;
        this.request = request;
        this.record = existing.record;
        this.existing = existing;
        this.state = State.COMPLETE;
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
        if (state != State.PREPARED) {
            throw new SnapshotException(DmsnapProvider.NAME, request.name(), "cannot cut: the snapshot is " + state);
        }
        try {
            engine.cut(record);
        } catch (IOException e) {
            throw new SnapshotException(DmsnapProvider.NAME, request.name(), "cut failed: " + e.getMessage(), e);
        }
        state = State.CUT;
        return new DmsnapSnapshot(engine, record);
    }

    /**
     * The coordinator learns the bitmap only from the freeze: a snapshot prepared without
     * one takes it here, so free chunks are never copied (S1, F15).
     */
    @Override
    public synchronized Snapshot cut(BlockUsage usageAtFreeze) throws SnapshotException {
        if (existing == null && state == State.PREPARED && usageAtFreeze != null) {
            long bytes = usageAtFreeze.blockCount() * usageAtFreeze.blockSize();
            long origin = request.source().device().sizeBytes();
            if (bytes != origin) {
                throw new SnapshotException(DmsnapProvider.NAME, request.name(), "the usage bitmap from the freeze covers "
                        + bytes + " bytes but the origin has " + origin);
            }
            engine.adoptUsage(record, usageAtFreeze);
        }
        return cut();
    }

    @Override
    public synchronized Snapshot complete() throws SnapshotException {
        if (existing != null) {
            return existing;
        }
        if (state == State.COMPLETE) {
            return new DmsnapSnapshot(engine, record);
        }
        if (state != State.CUT) {
            throw new SnapshotException(DmsnapProvider.NAME, request.name(), "cannot complete: the snapshot is "
                    + state + (state == State.PREPARED ? "; cut it first" : ""));
        }
        try {
            engine.complete(record);
        } catch (IOException e) {
            throw new SnapshotException(DmsnapProvider.NAME, request.name(), "complete failed: " + e.getMessage(), e);
        }
        state = State.COMPLETE;
        provider.finished(this);
        return new DmsnapSnapshot(engine, record);
    }

    @Override
    public synchronized void abort() {
        if (existing != null || state == State.COMPLETE || state == State.ABORTED) {
            return;
        }
        state = State.ABORTED;
        provider.finished(this);
        try {
            engine.delete(record);
        } catch (IOException e) {
            // abort() cannot throw (S7); the snapshot was never completed, so reopening the
            // store drops it and frees its chunks.
            System.getLogger(DmsnapPending.class.getName()).log(System.Logger.Level.WARNING,
                    "abort of snapshot '" + request.name() + "' could not free its store space until reopen", e);
        }
    }
}
