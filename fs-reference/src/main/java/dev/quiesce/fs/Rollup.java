package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rollup: writes the bitmap changed since the last rollup, retires the old log chain and
 * starts a new one, so replay never reads more than one rollup period of log. The
 * commit has already written the pinned index nodes ({@link Index#flushAll}) and
 * released the written nodes they replaced, so the index records before it are dropped
 * with the rest: the trees on disk now hold them. Two kinds:
 * {@link #run} every few deltas or when the log grows past its bound, inside an ordinary
 * commit, and {@link #clean} for a freeze, which leaves no log at all.
 *
 * <p>The allocate-in-allocate recursion is cut as the Tux3 notes describe: the rollup
 * first forks the dirty bitmap pages as they are (the "previous cycle": every
 * allocation of the delta so far included, its delayed frees not yet applied); writing
 * that copy needs blocks for the pages and the bitmap tree, and those allocations dirty
 * pages of the <em>new</em> cycle and are logged after the UNIFY record, as are the
 * delta's frees and the retired chain's blocks. The allocations before the fork are in
 * the written bitmap, so their records are dropped.
 */
final class Rollup {
    private Rollup() {
    }

    /** What a rollup produced. */
    record Result(TreeRef bitmapRoot, long freeAtRollup) {
    }

    /**
     * A rollup that leaves no log at all, for freeze: the frozen image then mounts without
     * replay. It ends the commit it is part of: the commit's own allocations are in the
     * bitmap it writes and its delayed frees are written as free, so none is logged. Instead of cutting the recursion by logging, it runs it to a fixpoint:
     * allocate new blocks for every dirty page (which may dirty more pages), then enough
     * blocks for the bitmap tree's dirty nodes (which may dirty more pages again), until a
     * round allocates nothing. Every block this commit releases - the retired chain, old
     * page locations, old tree nodes - has its page made dirty too and is written as free,
     * because the bitmap written here is the state after the commit. Nothing else
     * allocates meanwhile (the delta is empty: the gate is closed). Unused reserve blocks
     * are given back before the pages are copied.
     */
    static Result clean(Allocation alloc, NodeStore store, TreeRef bitmapRoot, long seq) throws IOException {
        BTree tree = new BTree(store, DiskFormat.KIND_BITMAP, bitmapRoot);
        List<long[]> released = new ArrayList<>(alloc.freeAfterCommit);
        for (long[] r : released) {
            for (long x = r[0]; x < r[0] + r[1]; x++) {
                alloc.touch(x);
            }
        }
        BTree.Frees release = (b, c) -> {
            released.add(new long[] {b, c});
            alloc.freeAfterCommitUnlogged(b, c);
            for (long x = b; x < b + c; x++) {
                alloc.touch(x);
            }
        };
        for (long[] chainBlock : alloc.chainBlocks) {
            release.free(chainBlock[0], chainBlock[1]);
        }
        alloc.chainBlocks.clear();
        Map<Integer, Long> relocated = new java.util.TreeMap<>();
        List<Long> pool = new ArrayList<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int p : alloc.dirtyPageList()) {
                if (!relocated.containsKey(p)) {
                    long block = alloc.allocate(1, null)[0];
                    byte[] old = tree.get(p);
                    tree.put(p, DiskFormat.encodeExtent(block, 1), release);
                    if (old != null) {
                        release.free(DiskFormat.extentPhysical(old), 1);
                    }
                    relocated.put(p, block);
                    changed = true;
                }
            }
            while (pool.size() < tree.dirtyNodes()) {
                pool.add(alloc.allocate(1, null)[0]);
                changed = true;
            }
        }
        while (pool.size() > tree.dirtyNodes()) {
            alloc.change(pool.remove(pool.size() - 1), 1, false, "unused rollup reserve");
        }
        long releasedCount = 0;
        Map<Integer, byte[]> copies = new java.util.TreeMap<>();
        for (int p : relocated.keySet()) {
            copies.put(p, alloc.copyOfPage(p));
        }
        int bits = alloc.bitsPerPage();
        for (long[] r : released) {
            for (long b = r[0]; b < r[0] + r[1]; b++) {
                byte[] page = copies.get((int) (b / bits));
                int bit = (int) (b % bits);
                page[bit >>> 3] &= (byte) ~(1 << (bit & 7));
            }
            releasedCount += r[1];
        }
        alloc.forgetDirtyPages();
        for (Map.Entry<Integer, Long> e : relocated.entrySet()) {
            byte[] data = DiskFormat.encodeBitmap(copies.get(e.getKey()), e.getKey(), store.volumeId(), seq,
                    store.blockSize());
            store.device().write(e.getValue(), ByteBuffer.wrap(data));
        }
        TreeRef root = tree.flush(new BTree.NodeSink() {
            @Override public long allocateNode() { return pool.remove(pool.size() - 1); }
            @Override public void write(long block, byte[] data) throws IOException {
                store.device().write(block, ByteBuffer.wrap(data));
            }
            @Override public long seq() { return seq; }
        }, release);
        if (!pool.isEmpty()) {
            throw new IllegalStateException(store.deviceName() + ": clean rollup left " + pool.size() + " blocks unused");
        }
        alloc.noteNewBitmapRoot(tree);
        return new Result(root, alloc.free() + releasedCount);
    }

    static Result run(long rollupNumber, List<LogRecord> records, Allocation alloc, NodeStore store,
                      TreeRef bitmapRoot, BTree.NodeSink sink, BTree.Frees frees,
                      Allocation.Recorder recorder) throws IOException {
        long freeAtFork = alloc.free();
        Map<Integer, byte[]> fork = alloc.forkDirtyPages();
        // Every free still pending - this commit's and those of lazy commits before it,
        // whose records leave with the retired chain - is logged again in the new one.
        List<LogRecord> kept = new ArrayList<>();
        for (long[] f : alloc.freeAfterCommit) {
            kept.add(new LogRecord(DiskFormat.BFREE, f[0], f[1]));
        }
        records.clear();
        records.add(new LogRecord(DiskFormat.UNIFY, rollupNumber, 0));
        records.add(new LogRecord(DiskFormat.FREEBLOCKS, freeAtFork, 0));
        records.addAll(kept);
        for (long[] chainBlock : alloc.chainBlocks) {
            frees.free(chainBlock[0], chainBlock[1]);
        }
        alloc.chainBlocks.clear();
        BTree tree = new BTree(store, DiskFormat.KIND_BITMAP, bitmapRoot);
        for (Map.Entry<Integer, byte[]> page : fork.entrySet()) {
            long p = page.getKey();
            byte[] old = tree.get(p);
            long block = alloc.allocate(1, recorder)[0];
            tree.put(p, DiskFormat.encodeExtent(block, 1), frees);
            if (old != null) {
                frees.free(DiskFormat.extentPhysical(old), 1);
            }
            sink.write(block, DiskFormat.encodeBitmap(page.getValue(), p, store.volumeId(), sink.seq(),
                    store.blockSize()));
        }
        TreeRef root = tree.flush(sink, frees);
        alloc.noteNewBitmapRoot(tree);
        return new Result(root, freeAtFork);
    }
}
