package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state one mount shares between its parts: the device, the node cache, the volume
 * lock that serializes the front end, the current delta, the published committed state,
 * the delta gate and the space accounting.
 *
 * <p>Threading: front-end operations run under {@link #lock}; changes also pass the
 * {@link DeltaGate} first. The committer takes the lock only for the instants it swaps
 * the current delta ({@link Commit}) and publishes a commit, never while it writes.
 */
final class Volume {
    /** A change: runs under the lock inside the delta gate, with its space reserved. */
    interface Change<T> {
        T run(Delta delta) throws IOException;
    }

    /** The worst-case blocks of a change, worked out under the lock against the current delta. */
    interface Cost {
        long of(Delta delta) throws IOException;
    }

    /** A read: runs under the lock, never waits for the gate. */
    interface Read<T> {
        T run() throws IOException;
    }

    final String name;
    final BlockDevice device;
    final NodeStore store;
    final int blockSize;
    final boolean readOnly;
    final DuskOptions options;
    final ReentrantLock lock = new ReentrantLock();
    final SpaceAccounting space;
    final DeltaGate gate;
    final ArrayDeque<Long> toReap = new ArrayDeque<>();
    volatile Published published;
    Delta current;
    Commit commit;
    /**
     * Runs inside the delta gate before a change takes the lock; tests use it to hold a
     * change in flight (a freeze must then wait for it, or time out: SPEC.md F5, F6).
     */
    volatile Runnable inFlightHook;
    Namespace namespace;
    FileData data;

    Volume(String name, BlockDevice device, NodeStore store, boolean readOnly, DuskOptions options,
           DeltaGate gate, Published published, long nextInode) {
        this.name = name;
        this.device = device;
        this.store = store;
        this.blockSize = device.blockSize();
        this.readOnly = readOnly;
        this.options = options;
        this.gate = gate;
        this.published = published;
        this.space = new SpaceAccounting(store.blockCount(), blockSize);
        this.current = new Delta(published.seq() + 1, nextInode);
    }

    long now() {
        return System.currentTimeMillis();
    }

    <T> T read(Read<T> op) throws IOException {
        lock.lock();
        try {
            return op.run();
        } finally {
            lock.unlock();
        }
    }

    /** Commits a change may wait for before giving up on space held only by others' reservations. */
    private static final int MAX_RESERVE_ATTEMPTS = 1000;

    /**
     * Runs a change inside the delta gate with {@code cost} blocks reserved. When space is
     * short it forces a commit (delayed frees then become free, reservations settle) and
     * tries again, then fails with {@link NoSpaceLeftException} before anything changed.
     */
    <T> T change(String path, long cost, boolean freeing, Change<T> op) throws IOException {
        return change(path, d -> cost, freeing, op);
    }

    <T> T change(String path, Cost cost, boolean freeing, Change<T> op) throws IOException {
        if (readOnly) {
            throw new ReadOnlyMountException(path);
        }
        commit.checkAlive();
        gate.enter();
        try {
            Runnable hook = inFlightHook;
            if (hook != null) {
                hook.run();
            }
            lock.lock();
            try {
                for (int attempt = 0; !space.tryReserve(current, cost.of(current), freeing, published.free()); attempt++) {
                    // Concurrent writers can fill each new delta with reservations before this
                    // one retries: keep committing while the change would fit alone, and give
                    // up after a few commits only on a real shortage (bounded either way).
                    boolean shortage = !space.fitsAlone(cost.of(current), freeing, published.free());
                    if ((shortage && attempt >= 3) || attempt == MAX_RESERVE_ATTEMPTS) {
                        throw new NoSpaceLeftException(path, "needs up to " + cost.of(current) + " blocks, "
                                + space.available(current, published.free()) + " available");
                    }
                    lock.unlock();
                    try {
                        commit.commitAndWait(false);
                    } finally {
                        lock.lock();
                    }
                }
                reapLocked(current);
                T result = op.run(current);
                long dirty = current.dirtyBytes;
                if (dirty > options.dirtyLimitBytes()) {
                    commit.request(false);
                } else if (!current.writebackAsked && dirty - current.writtenBackBytes >= options.writebackBytes()) {
                    current.writebackAsked = true;
                    commit.requestWriteback();
                }
                return result;
            } finally {
                lock.unlock();
            }
        } finally {
            gate.exit();
        }
    }

    /** Destroys orphans whose last handle was closed while changes could not run. */
    void reapLocked(Delta delta) throws IOException {
        while (!toReap.isEmpty()) {
            namespace.destroyIfUnused(delta, toReap.poll());
        }
    }

    /** Waits while more than twice the dirty limit is waiting for the committer (memory bound). */
    void throttle() throws IOException {
        long dirty;
        lock.lock();
        try {
            dirty = current.dirtyBytes;
        } finally {
            lock.unlock();
        }
        if (dirty > 2 * options.dirtyLimitBytes()) {
            // Memory is what is short: a published (lazy) commit releases the pages.
            commit.commitAndWait(false, false);
        }
    }
}
