package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rollup: writes the bitmap changed since the last rollup, retires the old log chain and
 * starts a new one, so replay never reads more than one rollup period of log.
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

    static Result run(long rollupNumber, List<LogRecord> records, Allocation alloc, NodeStore store,
                      TreeRef bitmapRoot, BTree.NodeSink sink, BTree.Frees frees,
                      Allocation.Recorder recorder) throws IOException {
        long freeAtFork = alloc.free();
        Map<Integer, byte[]> fork = alloc.forkDirtyPages();
        List<LogRecord> kept = new ArrayList<>();
        for (LogRecord r : records) {
            if (r.type() == DiskFormat.BFREE) {
                kept.add(r);
            }
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
            byte[] data = DiskFormat.encodeBitmap(page.getValue(), p, store.volumeId(), sink.seq(), store.blockSize());
            store.device().write(block, ByteBuffer.wrap(data));
        }
        TreeRef root = tree.flush(sink);
        alloc.noteNewBitmapRoot(tree);
        return new Result(root, freeAtFork);
    }
}
