package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The back end: one committer thread that commits the previous delta while the front
 * end fills the next.
 *
 * <p>A commit of delta N: swap in delta N+1 (an instant under the volume lock); then,
 * without any lock, turn N's changes into logical log records - deleted inodes,
 * attributes, truncations, data pages (physical blocks are chosen only now, the delayed
 * allocation, and written), directory names, orphans - applying each to the index in
 * memory ({@link Index}), whose changed nodes stay pinned in memory instead of being
 * written; roll up if due (write every pinned node and the bitmap, {@link Rollup});
 * write the log ({@link Log}); flush the device; write the superblock into the copy not
 * holding the last commit and flush again (the commit point); apply N's delayed frees;
 * publish the new roots to the front end. A commit without a rollup writes only its data
 * and its log, so it is sealed ({@link CommitSeal}): the superblock carries a checksum
 * over those blocks and the first flush is skipped. A commit asked for only because
 * dirty data fills memory is lazy ({@link #commitLazily}): no superblock, no flush; the
 * next durable one covers it. Data pages go to the device straight
 * from their slabs, one write per stretch of pages adjacent both on disk and in memory.
 * A freeze asks for a clean rollup instead ({@link Rollup#clean}): the same commit, but
 * the bitmap is written as it stands after it and no log is left.
 *
 * <p>Group commit: {@link #request} names the delta that must be committed; every
 * fsync asking during one delta waits for the same commit. Between commits the thread
 * also runs the writeback passes the front end asks for ({@link Writeback}); a commit
 * asked for goes first. Data written ahead of a commit is flushed by another thread
 * ({@link BackgroundFlush}) while this one goes on writing.
 */
final class Commit implements Runnable {
    private static final System.Logger LOG = System.getLogger(Commit.class.getName());
    private static final int MAX_RUN = 1024;

    private final Volume v;
    private final Allocation alloc;
    private final NodeStore store;
    private final Index index;
    private final Thread thread;
    private BackgroundFlush flusher;
    /**
     * Held by whoever commits or writes back: the committer thread, or an fsync committing
     * on its own thread ({@link #commitHere}). The fields documented as the committer's
     * belong to the holder.
     */
    private final java.util.concurrent.locks.ReentrantLock commitLock = new java.util.concurrent.locks.ReentrantLock();
    private final Object monitor = new Object();
    private Superblock sb;
    private int superCopy;
    private long deltasSinceRollup;
    private long inodeCount;
    private long requested;
    private long committed;
    private boolean stopping;
    private boolean writebackRequested;
    private long requestedDurable;
    private long durableThrough;
    /** Commits since the last superblock write are lazy ones (holder of the commit lock). */
    private boolean lazyPending;
    private long writebackPasses;
    private IOException failure;
    /** Data written since the device was last flushed (holder of the commit lock). */
    private long unflushedBytes;
    /** What the commit in progress wrote, for its seal (holder of the commit lock). */
    private CommitSeal.Writes writes;

    Commit(Volume v, Allocation alloc, Index index, Superblock sb, int superCopy, boolean rolledUp) {
        this.v = v;
        this.alloc = alloc;
        this.index = index;
        this.inodeCount = sb.inodeCount();
        this.store = v.store;
        this.sb = sb;
        this.superCopy = superCopy;
        this.committed = sb.seq();
        this.durableThrough = sb.seq();
        this.deltasSinceRollup = rolledUp ? 0 : 1;
        this.thread = new Thread(this, "dusk-committer " + v.name);
        thread.setDaemon(true);
    }

    void start() {
        flusher = new BackgroundFlush(v.device, v.name);
        thread.start();
    }

    Superblock superblock() {
        synchronized (monitor) {
            return sb;
        }
    }

    Allocation allocation() {
        return alloc;
    }

    /**
     * Asks for the current delta to be committed without waiting for it to be durable
     * (memory is short): it may be a lazy commit; returns its number.
     */
    long request(boolean rollup) {
        return request(rollup, false, false);
    }

    /**
     * Asks for the current delta to be committed durably, with a rollup (every few deltas
     * anyway) or a clean rollup that leaves no log (freeze); returns its number.
     */
    long request(boolean rollup, boolean clean) {
        return request(rollup, clean, true);
    }

    private long request(boolean rollup, boolean clean, boolean durable) {
        return request(rollup, clean, durable, true);
    }

    /** {@code wake}: false when the caller commits the delta itself, so the committer sleeps on. */
    private long request(boolean rollup, boolean clean, boolean durable, boolean wake) {
        long n;
        v.lock.lock();
        try {
            n = v.current.number;
            v.current.rollup |= rollup;
            v.current.cleanRollup |= clean;
        } finally {
            v.lock.unlock();
        }
        synchronized (monitor) {
            requested = Math.max(requested, n);
            if (durable) {
                requestedDurable = Math.max(requestedDurable, n);
            }
            if (wake) {
                monitor.notifyAll();
            }
        }
        return n;
    }

    /** Waits until delta {@code n} is committed and durable, at most {@code timeoutNanos}; false on timeout. */
    boolean await(long n, long timeoutNanos) throws IOException, InterruptedException {
        return await(n, timeoutNanos, true);
    }

    private boolean await(long n, long timeoutNanos, boolean durable) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (monitor) {
            while ((durable ? durableThrough : committed) < n) {
                checkAlive();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                monitor.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    void commitAndWait(boolean rollup) throws IOException {
        commitAndWait(rollup, true);
    }

    /**
     * Commits the current delta and waits until it is published - and durable, if
     * {@code durable}; a writer short of memory needs only the former (a lazy commit).
     */
    void commitAndWait(boolean rollup, boolean durable) throws IOException {
        long n = durable ? commitHere(rollup) : -1;
        if (n < 0) {
            n = request(rollup, false, durable);
        }
        try {
            await(n, Long.MAX_VALUE / 4, durable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(v.name + ": interrupted while waiting for commit " + n);
        }
    }

    void checkAlive() throws IOException {
        synchronized (monitor) {
            if (stopping) {
                throw new java.nio.file.FileSystemException(v.name, null, "filesystem is unmounted");
            }
            if (failure != null) {
                throw new IOException(v.name + ": the committer failed; the filesystem must be remounted", failure);
            }
        }
    }

    /** Commits what is left and stops the thread. */
    void stop() throws IOException {
        try {
            commitAndStop();
        } finally {
            flusher.stop();
        }
    }

    private void commitAndStop() throws IOException {
        commitAndWait(false);
        v.lock.lock();
        try {
            if (!v.current.isEmpty()) {
                v.lock.unlock();
                try {
                    commitAndWait(false);
                } finally {
                    v.lock.lock();
                }
            }
        } finally {
            v.lock.unlock();
        }
        synchronized (monitor) {
            stopping = true;
            monitor.notifyAll();
        }
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(v.name + ": interrupted while stopping the committer");
        }
    }

    @Override
    public void run() {
        long interval = v.options.commitInterval().toMillis();
        while (true) {
            boolean writeback;
            boolean durable;
            boolean asked;
            synchronized (monitor) {
                asked = requested > committed || requestedDurable > durableThrough;
                // Woken early only by a request: other threads' commits notify the monitor
                // too, and taking that for the interval would commit mid-way through a
                // writer's changes.
                long deadline = System.nanoTime() + interval * 1_000_000L;
                while (!asked && !stopping && !writebackRequested && failure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        monitor.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                    asked = requested > committed || requestedDurable > durableThrough;
                }
                asked = requested > committed || requestedDurable > durableThrough;
                if (stopping && !asked || failure != null) {
                    return;
                }
                // A commit asked for takes the pages anyway: it goes first.
                writeback = writebackRequested && !asked;
                writebackRequested = false;
                // Only a commit asked for to free memory may be lazy; the interval's is durable.
                durable = requestedDurable > durableThrough || !asked;
            }
            if (writeback) {
                commitLock.lock();
                try {
                    writeBack();
                } catch (IOException | RuntimeException | Error e) {
                    fail("writeback before commit " + v.current.number, e);
                    return;
                } finally {
                    commitLock.unlock();
                }
                synchronized (monitor) {
                    writebackPasses++;
                    monitor.notifyAll();
                }
                continue;
            }
            commitLock.lock();
            try {
                if (asked && requested <= committed && requestedDurable <= durableThrough) {
                    // An fsync committed on its own thread while this one waited for the lock.
                    continue;
                }
                commitOnce(durable);
            } catch (IOException | RuntimeException | Error e) {
                return;
            } finally {
                commitLock.unlock();
            }
        }
    }

    /**
     * Commits the current delta if there is anything to commit (or a durable commit must
     * cover lazy ones); the caller holds {@link #commitLock}. Returns false if there was
     * nothing to do. A failure fails the filesystem ({@link #fail}) and is rethrown.
     */
    private boolean commitOnce(boolean durable) throws IOException {
        Delta d;
        v.lock.lock();
        try {
            d = v.current;
            if (d.isEmpty() && !d.rollup && !d.cleanRollup && requested < d.number && !(durable && lazyPending)) {
                return false;
            }
            v.current = new Delta(d.number + 1, d.nextInode);
            v.space.committing(d);
        } finally {
            v.lock.unlock();
        }
        try {
            boolean madeDurable = durable;
            if (!d.isEmpty() || d.cleanRollup && sb.logCount() > 0 || durable && lazyPending) {
                madeDurable = commitDelta(d, !durable);
            }
            publish(d, madeDurable);
            return true;
        } catch (IOException | RuntimeException | Error e) {
            fail("commit " + d.number, e);
            throw e;
        }
    }

    /**
     * An fsync commits on its own thread when no commit is running: handing the commit to
     * the committer and being woken when it is done costs two thread switches, about
     * 60 us on a virtual machine - a quarter of a small fsync. If a commit is running, or
     * this thread is interrupted (an interrupt closes a FileChannel under some devices;
     * core's FileBlockDevice reopens it, others may not), it returns -1 and the caller
     * asks the committer as before; otherwise it returns the delta it made durable. The
     * committer is not woken for a commit done here.
     */
    private long commitHere(boolean rollup) throws IOException {
        if (Thread.currentThread() == thread || Thread.currentThread().isInterrupted() || !commitLock.tryLock()) {
            return -1;
        }
        try {
            checkAlive();
            long n = request(rollup, false, true, false);
            while (durableThrough < n && commitOnce(true)) {
                // A delta committed lazily before this one needs a durable commit after it.
            }
            return n;
        } finally {
            commitLock.unlock();
        }
    }

    private void fail(String what, Throwable e) {
        LOG.log(System.Logger.Level.ERROR, v.name + ": " + what + " failed", e);
        synchronized (monitor) {
            failure = e instanceof IOException io ? io : new IOException(e);
            monitor.notifyAll();
        }
    }

    /**
     * Asks for a writeback pass and waits (at most a minute) until one ran or a commit
     * took the pages instead; tests use it to put writebacks at chosen points.
     */
    void writeBackAndWait() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        synchronized (monitor) {
            long passes = writebackPasses;
            long commits = committed;
            writebackRequested = true;
            monitor.notifyAll();
            while (writebackPasses == passes && committed == commits && System.nanoTime() < deadline) {
                checkAlive();
                monitor.wait(100);
            }
        }
    }

    /** Asks the committer to write the current delta's dirty pages ahead of its commit. */
    void requestWriteback() {
        synchronized (monitor) {
            writebackRequested = true;
            monitor.notifyAll();
        }
    }

    /** Writeback ahead of the commit ({@link Writeback}); the holder of the commit lock. */
    void writeBack() throws IOException {
        unflushedBytes += Writeback.run(v, alloc, MAX_RUN);
        writeOut();
        flushIfBehind();
    }

    /** Puts writes still joined in {@link AdjacentWrites} on the device: work that ends without a flush. */
    private void writeOut() throws IOException {
        if (v.device instanceof AdjacentWrites joined) {
            joined.writeOut();
        }
    }

    /**
     * Asks for a {@link BackgroundFlush} once an eighth of the dirty limit (at least one
     * writeback's worth) went out unflushed: small enough that the device is kept busy
     * through a write of a few tens of megabytes, large enough that the flushes' fixed
     * cost stays a few per cent of the data's.
     */
    private void flushIfBehind() throws IOException {
        if (unflushedBytes >= Math.max(v.options.writebackBytes(), v.options.dirtyLimitBytes() / 8)) {
            flusher.request();
            unflushedBytes = 0;
        }
    }


    private void publish(Delta d, boolean durable) {
        v.lock.lock();
        try {
            // The pinned nodes are blocks the next rollup takes: not free for new changes.
            v.published = new Published(d.number, index.itable(), index.orphans(),
                    Math.max(0, alloc.free() - store.pinnedCount()), inodeCount);
            index.unpinReplaced();
            v.namespace.published(d.number);
            v.data.published(d.number);
            v.space.committed();
        } finally {
            v.lock.unlock();
        }
        synchronized (monitor) {
            committed = d.number;
            if (durable) {
                durableThrough = d.number;
            }
            monitor.notifyAll();
        }
    }

    /** Commits {@code d}; lazily (no superblock, no flush) if allowed and no rollup was asked for. Returns whether durable. */
    private boolean commitDelta(Delta d, boolean lazyAllowed) throws IOException {
        long seq = d.number;
        int bs = store.blockSize();
        List<LogRecord> records = new ArrayList<>();
        Allocation.Recorder rec = (t, a, b) -> records.add(new LogRecord(t, a, b));
        BTree.Frees frees = (block, count) -> alloc.freeAfterCommit(block, count, rec);
        writes = new CommitSeal.Writes(bs);
        BTree.NodeSink sink = new BTree.NodeSink() {
            @Override public long allocateNode() throws IOException { return alloc.allocate(1, rec)[0]; }
            @Override public void write(long block, byte[] data) throws IOException {
                writes.add(block, ByteBuffer.wrap(data));
                v.device.write(block, ByteBuffer.wrap(data));
            }
            @Override public long seq() { return seq; }
        };
        // Each index change is logged and applied in the order replay will apply it.
        IndexLog log = r -> {
            records.add(r);
            index.apply(r, frees);
        };
        for (long ino : new TreeSet<>(d.deleted)) {
            if (index.record(ino) != null) {
                log.add(new LogRecord(DiskFormat.INODE_FREE, ino, 0));
            }
        }
        for (Map.Entry<Long, Attrs> a : new TreeMap<>(d.inodes).entrySet()) {
            log.add(LogRecord.inode(a.getKey(), a.getValue()));
        }
        for (Map.Entry<Long, Long> t : new TreeMap<>(d.truncates).entrySet()) {
            log.add(new LogRecord(DiskFormat.TRUNCATE, t.getKey(), (t.getValue() + bs - 1) / bs));
        }
        // Written ahead of the commit: give up what was dropped (never logged), log the rest.
        for (long[] dropped : d.dropped) {
            alloc.change(dropped[0], dropped[1], false, "written-back blocks dropped before their commit");
        }
        for (long[] w : d.prewritten) {
            rec.record(DiskFormat.BALLOC, w[2], w[3]);
            log.add(LogRecord.extent(w[0], w[1], w[2], w[3]));
            writes.unsealable();
        }
        for (Map.Entry<Long, PageMap> p : new TreeMap<>(d.pages).entrySet()) {
            long ino = p.getKey();
            p.getValue().forEachRun(MAX_RUN, (start, run, n) -> writeRun(ino, start, run, n, rec, log, bs));
        }
        for (Map.Entry<Long, Map<String, Delta.DirChange>> e : new TreeMap<>(d.dirs).entrySet()) {
            if (!d.deleted.contains(e.getKey())) {
                for (Map.Entry<String, Delta.DirChange> c : new TreeMap<>(e.getValue()).entrySet()) {
                    log.add(LogRecord.dirent(e.getKey(), c.getKey(), c.getValue().inode(), c.getValue().type()));
                }
            }
        }
        for (Map.Entry<Long, Boolean> o : new TreeMap<>(d.orphans).entrySet()) {
            if (o.getValue() != index.isOrphan(o.getKey())) {
                log.add(new LogRecord(o.getValue() ? DiskFormat.ORPHAN_ADD : DiskFormat.ORPHAN_DEL, o.getKey(), 0));
            }
        }
        index.endCommit(seq);
        inodeCount += index.takeInodesAdded();

        boolean rollup = d.rollup || d.cleanRollup || deltasSinceRollup + 1 >= v.options.rollupEvery()
                || sb.logCount() >= v.options.maxLogBlocks() || store.pinnedCount() >= maxPinned();
        TreeRef itableRoot = sb.itable();
        TreeRef orphanRoot = sb.orphans();
        TreeRef bitmapRoot = sb.bitmap();
        long rollupNumber = sb.rollup();
        long freeAtRollup = sb.freeAtRollup();
        long previousHead = sb.logHead();
        int logCount = sb.logCount();
        if (lazyAllowed && !d.rollup && !d.cleanRollup) {
            // A rollup due waits for the next durable commit (at the latest the interval's).
            commitLazily(d, records);
            return false;
        }
        if (d.cleanRollup || lazyPending) {
            // A lazy commit's blocks are not named by this commit's log: they need the flush.
            writes.unsealable();
        }
        if (d.cleanRollup || rollup) {
            index.flushAll(sink);
            for (long old : index.drainOldNodes()) {
                frees.free(old, 1);
            }
            itableRoot = index.itable();
            orphanRoot = index.orphans();
        }
        if (d.cleanRollup) {
            rollupNumber++;
            Rollup.Result r = Rollup.clean(alloc, store, sb.bitmap(), seq);
            records.clear();
            bitmapRoot = r.bitmapRoot();
            freeAtRollup = r.freeAtRollup();
            previousHead = 0;
            logCount = 0;
        } else if (rollup) {
            rollupNumber++;
            Rollup.Result r = Rollup.run(rollupNumber, records, alloc, store, sb.bitmap(), sink, frees, rec);
            // The nodes were allocated before the bitmap was forked, so no BALLOC names them:
            // name them for the seal, so that a small rollup commits with one flush too.
            for (long[] w : writes.unnamed(records)) {
                records.add(new LogRecord(DiskFormat.ROLLUP_BLOCKS, w[0], w[1]));
            }
            bitmapRoot = r.bitmapRoot();
            freeAtRollup = r.freeAtRollup();
            previousHead = 0;
            logCount = 0;
        }
        Log.Written written = Log.write(records, previousHead, alloc, store, seq, writes);
        Superblock next = sb.committed(seq, itableRoot, orphanRoot, bitmapRoot, written.head(),
                logCount + written.blocks().size(), rollupNumber, d.nextInode, inodeCount,
                alloc.free() + alloc.pendingFreeCount(), freeAtRollup, d.cleanRollup || !rollup && sb.cleanRollup());
        // Data a failed background flush left behind may be what this commit names.
        flusher.check();
        int[] seal = writes.seal(written.blocks(), records);
        if (seal != null) {
            // Sealed: the superblock goes out with the rest and one flush commits all of it.
            next = next.sealed(seal[0], seal[1]);
        } else {
            v.device.flush();
        }
        unflushedBytes = 0;
        writes = null;
        int copy = 1 - superCopy;
        v.device.write(copy, ByteBuffer.wrap(DiskFormat.encodeSuperblock(next)));
        v.device.flush();
        alloc.applyFrees();
        for (long b : written.blocks()) {
            alloc.chainBlocks.add(new long[] {b, 1});
        }
        synchronized (monitor) {
            sb = next;
            superCopy = copy;
        }
        deltasSinceRollup = rollup ? 0 : deltasSinceRollup + 1;
        lazyPending = false;
        return true;
    }

    /**
     * A lazy commit, for a delta committed only because its dirty pages fill memory: its
     * data and log blocks are written and the chain grows, but no superblock names them
     * and nothing is flushed, so it costs no flush; its frees stay pending. The next
     * durable commit (an fsync, a sync, the commit interval, a freeze, a rollup) writes
     * its superblock over the whole chain after one flush, which makes the lazy commits
     * durable with it. A crash before that loses them whole, like any commit whose
     * superblock did not land: their blocks were free ones and nothing they freed has
     * been reused.
     */
    private void commitLazily(Delta d, List<LogRecord> records) throws IOException {
        Log.Written written = Log.write(records, sb.logHead(), alloc, store, d.number, writes);
        writes = null;
        Superblock next = sb.committed(d.number, sb.itable(), sb.orphans(), sb.bitmap(), written.head(),
                sb.logCount() + written.blocks().size(), sb.rollup(), d.nextInode, inodeCount,
                alloc.free() + alloc.pendingFreeCount(), sb.freeAtRollup(), sb.cleanRollup());
        for (long b : written.blocks()) {
            alloc.chainBlocks.add(new long[] {b, 1});
        }
        synchronized (monitor) {
            sb = next;
        }
        deltasSinceRollup++;
        lazyPending = true;
        writeOut();
        flushIfBehind();
    }

    /** Pinned nodes that force a rollup: they hold memory, and the rollup must find blocks for them. */
    private int maxPinned() {
        return Math.max(64, v.options.nodeCacheLimit() / 2);
    }

    /** Logs an index record and applies it to the trees in memory. */
    private interface IndexLog {
        void add(LogRecord r) throws IOException;
    }

    /**
     * Writes a run of a file's dirty pages at consecutive logical blocks: it gets extents of
     * physically consecutive blocks, and each stretch of pages that also lie side by side
     * in one slab goes to the device in one write straight from the slab (no copy).
     */
    private void writeRun(long ino, long logical, Page[] run, int n, Allocation.Recorder rec, IndexLog log, int bs)
            throws IOException {
        int done = 0;
        while (done < n) {
            long[] ext = alloc.allocate(n - done, rec);
            int end = done + (int) ext[1];
            Writeback.writeStretches(v.device, run, done, end, ext[0], writes);
            unflushedBytes += (long) (end - done) * bs;
            log.add(LogRecord.extent(ino, logical + done, ext[0], ext[1]));
            done = end;
        }
    }
}
