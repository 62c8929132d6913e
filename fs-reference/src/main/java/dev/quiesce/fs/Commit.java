package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import dev.quiesce.fs.DiskFormat.InodeRecord;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The back end: one committer thread that commits the previous delta while the front
 * end fills the next.
 *
 * <p>A commit of delta N: swap in delta N+1 (an instant under the volume lock); then,
 * without any lock, apply N's changes to the committed trees by redirect-on-write
 * (deleted inodes, truncations, data pages - physical blocks are chosen only now, the
 * delayed allocation - directory names, inode records, orphans), write every dirty node
 * to a new block, roll up if due ({@link Rollup}), write the log ({@link Log}); flush the
 * device; write the superblock into the copy not holding the last commit and flush again
 * (the commit point); apply N's delayed frees; publish the new roots to the front end.
 * A small commit without a rollup (an fsync) skips the first flush: its superblock is
 * sealed with a checksum over the commit's blocks, so mount can tell whether they all
 * made it ({@link CommitSeal}). Data pages go to the device straight from their slabs,
 * one write per stretch of pages that are adjacent both on disk and in memory.
 * A freeze asks for a clean rollup instead ({@link Rollup#clean}): the same commit, but
 * the bitmap is written as it stands after it and no log is left.
 *
 * <p>Group commit: {@link #request} names the delta that must be committed; every
 * fsync asking during one delta waits for the same commit.
 */
final class Commit implements Runnable {
    private static final System.Logger LOG = System.getLogger(Commit.class.getName());
    private static final int MAX_RUN = 1024;

    private final Volume v;
    private final Allocation alloc;
    private final NodeStore store;
    private final Thread thread;
    private final Object monitor = new Object();
    private Superblock sb;
    private int superCopy;
    private long deltasSinceRollup;
    private long requested;
    private long committed;
    private boolean stopping;
    private IOException failure;
    /** What the commit in progress wrote, for its seal (committer thread only). */
    private CommitSeal.Writes writes;

    Commit(Volume v, Allocation alloc, Superblock sb, int superCopy, boolean rolledUp) {
        this.v = v;
        this.alloc = alloc;
        this.store = v.store;
        this.sb = sb;
        this.superCopy = superCopy;
        this.committed = sb.seq();
        this.deltasSinceRollup = rolledUp ? 0 : 1;
        this.thread = new Thread(this, "dusk-committer " + v.name);
        thread.setDaemon(true);
    }

    void start() {
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

    /** Asks for the current delta to be committed; returns its number. */
    long request(boolean rollup) {
        return request(rollup, false);
    }

    /**
     * Asks for the current delta to be committed, with a rollup (every few deltas anyway)
     * or a clean rollup that leaves no log (freeze); returns its number.
     */
    long request(boolean rollup, boolean clean) {
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
            monitor.notifyAll();
        }
        return n;
    }

    /** Waits until delta {@code n} is committed, at most {@code timeoutNanos}; false on timeout. */
    boolean await(long n, long timeoutNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (monitor) {
            while (committed < n) {
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
        long n = request(rollup);
        try {
            await(n, Long.MAX_VALUE / 4);
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
            synchronized (monitor) {
                if (requested <= committed && !stopping) {
                    try {
                        monitor.wait(interval);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping && requested <= committed) {
                    return;
                }
            }
            Delta d;
            v.lock.lock();
            try {
                d = v.current;
                if (d.isEmpty() && !d.rollup && !d.cleanRollup && requested < d.number) {
                    continue;
                }
                v.current = new Delta(d.number + 1, d.nextInode);
                v.space.committing(d);
            } finally {
                v.lock.unlock();
            }
            try {
                if (!d.isEmpty()) {
                    commitDelta(d);
                } else if (d.cleanRollup && sb.logCount() > 0) {
                    commitCleanRollup(d);
                }
                publish(d);
            } catch (IOException | RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, v.name + ": commit " + d.number + " failed", e);
                synchronized (monitor) {
                    failure = e instanceof IOException io ? io : new IOException(e);
                    monitor.notifyAll();
                }
                return;
            }
        }
    }

    private void publish(Delta d) {
        v.lock.lock();
        try {
            v.published = new Published(d.number, sb.itable(), sb.orphans(), alloc.free(), sb.inodeCount());
            v.namespace.published(d.number);
            v.data.published(d.number);
            v.space.committed();
        } finally {
            v.lock.unlock();
        }
        synchronized (monitor) {
            committed = d.number;
            monitor.notifyAll();
        }
    }

    private static int kindOf(FileType type) {
        return type == FileType.DIRECTORY ? DiskFormat.KIND_DIR : DiskFormat.KIND_EXTENTS;
    }

    private void commitDelta(Delta d) throws IOException {
        long seq = d.number;
        int bs = store.blockSize();
        List<LogRecord> records = new ArrayList<>();
        Allocation.Recorder rec = (t, a, b) -> records.add(new LogRecord(t, a, b));
        BTree.Frees frees = (block, count) -> alloc.freeAfterCommit(block, count, rec);
        writes = new CommitSeal.Writes(bs);
        BTree.NodeSink sink = new BTree.NodeSink() {
            @Override public long allocateNode() throws IOException { return alloc.allocate(1, rec)[0]; }
            @Override public void redirected(long oldBlock, long newBlock) { rec.record(DiskFormat.REDIRECT, oldBlock, newBlock); }
            @Override public void write(long block, byte[] data) throws IOException {
                writes.add(block, ByteBuffer.wrap(data));
                v.device.write(block, ByteBuffer.wrap(data));
            }
            @Override public long seq() { return seq; }
        };
        BTree itable = new BTree(store, DiskFormat.KIND_ITABLE, sb.itable());
        BTree orphans = new BTree(store, DiskFormat.KIND_ORPHANS, sb.orphans());
        long inodeCount = sb.inodeCount();
        Map<Long, InodeRecord> old = new HashMap<>();
        Map<Long, BTree> trees = new TreeMap<>();

        for (long ino : new TreeSet<>(d.deleted)) {
            InodeRecord r = record(itable, ino, old);
            if (r == null) {
                continue;
            }
            BTree t = new BTree(store, kindOf(r.attrs().type()), r.root());
            if (t.kind() == DiskFormat.KIND_EXTENTS) {
                t.forEach(0, (k, ext) -> {
                    frees.free(DiskFormat.extentPhysical(ext), DiskFormat.extentCount(ext));
                    return true;
                });
            }
            t.freeAll(frees);
            itable.remove(ino, frees);
            inodeCount--;
        }
        for (Map.Entry<Long, Long> t : new TreeMap<>(d.truncates).entrySet()) {
            if (!d.deleted.contains(t.getKey())) {
                Extents.cut(tree(t.getKey(), d, itable, old, trees), (t.getValue() + bs - 1) / bs, frees);
            }
        }
        for (Map.Entry<Long, TreeMap<Long, Page>> p : new TreeMap<>(d.pages).entrySet()) {
            if (!d.deleted.contains(p.getKey())) {
                writePages(tree(p.getKey(), d, itable, old, trees), p.getValue(), rec, frees);
            }
        }
        for (Map.Entry<Long, Map<String, Delta.DirChange>> e : new TreeMap<>(d.dirs).entrySet()) {
            if (!d.deleted.contains(e.getKey())) {
                applyNames(tree(e.getKey(), d, itable, old, trees), e.getValue(), frees);
            }
        }
        TreeSet<Long> touched = new TreeSet<>(d.inodes.keySet());
        touched.addAll(trees.keySet());
        touched.removeAll(d.deleted);
        for (long ino : touched) {
            InodeRecord r = record(itable, ino, old);
            Attrs a = d.inodes.containsKey(ino) ? d.inodes.get(ino) : r.attrs();
            BTree t = trees.get(ino);
            TreeRef root = t != null ? t.flush(sink) : r == null ? TreeRef.EMPTY : r.root();
            if (r == null) {
                inodeCount++;
            }
            itable.put(ino, DiskFormat.encodeInode(a, root), frees);
        }
        for (Map.Entry<Long, Boolean> o : new TreeMap<>(d.orphans).entrySet()) {
            boolean present = orphans.get(o.getKey()) != null;
            if (o.getValue() && !present) {
                orphans.put(o.getKey(), new byte[0], frees);
                rec.record(DiskFormat.ORPHAN_ADD, o.getKey(), 0);
            } else if (!o.getValue() && present) {
                orphans.remove(o.getKey(), frees);
                rec.record(DiskFormat.ORPHAN_DEL, o.getKey(), 0);
            }
        }
        TreeRef itableRoot = itable.flush(sink);
        TreeRef orphanRoot = orphans.flush(sink);

        boolean rollup = d.rollup || d.cleanRollup || deltasSinceRollup + 1 >= v.options.rollupEvery()
                || sb.logCount() >= v.options.maxLogBlocks();
        TreeRef bitmapRoot = sb.bitmap();
        long rollupNumber = sb.rollup();
        long freeAtRollup = sb.freeAtRollup();
        long previousHead = sb.logHead();
        int logCount = sb.logCount();
        if (d.cleanRollup || rollup) {
            writes.unsealable();
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
            bitmapRoot = r.bitmapRoot();
            freeAtRollup = r.freeAtRollup();
            previousHead = 0;
            logCount = 0;
        }
        Log.Written log = Log.write(records, previousHead, alloc, store, seq, writes);
        Superblock next = sb.committed(seq, itableRoot, orphanRoot, bitmapRoot, log.head(),
                logCount + log.blocks().size(), rollupNumber, d.nextInode, inodeCount,
                alloc.free() + alloc.pendingFreeCount(), freeAtRollup, d.cleanRollup || !rollup && sb.cleanRollup());
        int[] seal = writes.seal(log.blocks(), records);
        if (seal != null) {
            // Sealed: the superblock goes out with the rest and one flush commits all of it.
            next = next.sealed(seal[0], seal[1]);
        } else {
            v.device.flush();
        }
        writes = null;
        int copy = 1 - superCopy;
        v.device.write(copy, ByteBuffer.wrap(DiskFormat.encodeSuperblock(next)));
        v.device.flush();
        alloc.applyFrees();
        for (long b : log.blocks()) {
            alloc.chainBlocks.add(new long[] {b, 1});
        }
        synchronized (monitor) {
            sb = next;
            superCopy = copy;
        }
        deltasSinceRollup = rollup ? 0 : deltasSinceRollup + 1;
    }

    /** An empty delta asked for a rollup (a freeze): write the bitmap so that no log is left. */
    private void commitCleanRollup(Delta d) throws IOException {
        Rollup.Result r = Rollup.clean(alloc, store, sb.bitmap(), d.number);
        v.device.flush();
        Superblock next = sb.committed(d.number, sb.itable(), sb.orphans(), r.bitmapRoot(), 0, 0, sb.rollup() + 1,
                d.nextInode, sb.inodeCount(), r.freeAtRollup(), r.freeAtRollup(), true);
        int copy = 1 - superCopy;
        v.device.write(copy, ByteBuffer.wrap(DiskFormat.encodeSuperblock(next)));
        v.device.flush();
        alloc.applyFrees();
        synchronized (monitor) {
            sb = next;
            superCopy = copy;
        }
        deltasSinceRollup = 0;
    }

    private InodeRecord record(BTree itable, long ino, Map<Long, InodeRecord> old) throws IOException {
        if (old.containsKey(ino)) {
            return old.get(ino);
        }
        byte[] raw = itable.get(ino);
        InodeRecord r = raw == null ? null
                : DiskFormat.decodeInode(store.deviceName(), sb.itable().block(), ino, raw, store.blockCount());
        old.put(ino, r);
        return r;
    }

    private BTree tree(long ino, Delta d, BTree itable, Map<Long, InodeRecord> old, Map<Long, BTree> trees)
            throws IOException {
        BTree t = trees.get(ino);
        if (t == null) {
            InodeRecord r = record(itable, ino, old);
            Attrs a = r != null ? r.attrs() : d.inodes.get(ino);
            if (a == null) {
                throw new IllegalStateException(v.name + ": delta " + d.number + " changes inode " + ino
                        + " which has no attributes");
            }
            t = new BTree(store, kindOf(a.type()), r == null ? TreeRef.EMPTY : r.root());
            trees.put(ino, t);
        }
        return t;
    }

    /**
     * Writes a file's dirty pages: each run of logically consecutive pages gets extents of
     * physically consecutive blocks, and each stretch of pages that also lie side by side
     * in one slab goes to the device in one write straight from the slab (no copy).
     */
    private void writePages(BTree t, TreeMap<Long, Page> pages, Allocation.Recorder rec, BTree.Frees frees)
            throws IOException {
        int bs = store.blockSize();
        Page[] run = new Page[Math.min(MAX_RUN, pages.size())];
        long runStart = -1;
        int n = 0;
        for (Map.Entry<Long, Page> e : pages.entrySet()) {
            if (n > 0 && (e.getKey() != runStart + n || n == run.length)) {
                writeRun(t, runStart, run, n, rec, frees, bs);
                n = 0;
            }
            if (n == 0) {
                runStart = e.getKey();
            }
            run[n++] = e.getValue();
        }
        if (n > 0) {
            writeRun(t, runStart, run, n, rec, frees, bs);
        }
    }

    private void writeRun(BTree t, long logical, Page[] run, int n, Allocation.Recorder rec, BTree.Frees frees,
                          int bs) throws IOException {
        int done = 0;
        while (done < n) {
            long[] ext = alloc.allocate(n - done, rec);
            int end = done + (int) ext[1];
            int k = done;
            while (k < end) {
                int j = k + 1;
                while (j < end && run[j - 1].adjoins(run[j], bs)) {
                    j++;
                }
                long at = ext[0] + (k - done);
                ByteBuffer data = ByteBuffer.wrap(run[k].slab, run[k].offset, (j - k) * bs);
                writes.add(at, data);
                v.device.write(at, data);
                k = j;
            }
            Extents.map(t, logical + done, ext[0], ext[1], frees);
            done = end;
        }
    }

    private void applyNames(BTree t, Map<String, Delta.DirChange> changes, BTree.Frees frees) throws IOException {
        for (Map.Entry<String, Delta.DirChange> c : new TreeMap<>(changes).entrySet()) {
            String name = c.getKey();
            long h = DiskFormat.nameHash(name);
            byte[] raw = t.get(h);
            List<DiskFormat.DirEntry> bucket = raw == null ? new ArrayList<>()
                    : new ArrayList<>(DiskFormat.decodeBucket(store.deviceName(), -1, raw));
            bucket.removeIf(e -> e.name().equals(name));
            if (c.getValue().inode() != 0) {
                bucket.add(new DiskFormat.DirEntry(name, c.getValue().inode(), c.getValue().type()));
            }
            if (bucket.isEmpty()) {
                if (raw != null) {
                    t.remove(h, frees);
                }
            } else {
                t.put(h, DiskFormat.encodeBucket(bucket), frees);
            }
        }
    }
}
