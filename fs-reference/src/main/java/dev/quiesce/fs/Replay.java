package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogBlock;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.util.List;

/**
 * Replay at mount: rebuilds the in-cache bitmap from the bitmap written at the last
 * rollup plus the log since, and the index from the trees that rollup wrote plus the
 * logical records since ({@link Index}: the same code the committer ran). It reads the
 * chain, checks every block (magic, checksum, volume, commit order, record codes), then
 * commit by commit marks the commit's own log blocks in use and applies its records in
 * order. Every bitmap change is test-and-set: setting a set bit or clearing a clear one
 * is reported as corruption, never ignored; so is an index record that does not fit the
 * trees (a name in a file, an extent of a missing inode, an orphan added twice). At the
 * end the free count must equal the superblock's. Replay writes nothing (the rebuilt
 * index stays pinned in memory until the next rollup), so a read-only mount replays too.
 */
final class Replay {
    private Replay() {
    }

    /** What replay found: the bitmap, the index, and the amount of log read. */
    record Result(Allocation allocation, Index index, int logBlocks, int records) {
    }

    /** Data frees are BFREE records of their own; the trees' copy of them is not needed. */
    private static final BTree.Frees LOGGED_SEPARATELY = (block, count) -> { };

    static Result run(NodeStore store, Superblock sb) throws IOException {
        String dev = store.deviceName();
        Allocation alloc = new Allocation(store, sb.bitmap(), sb.freeAtRollup());
        Index index = new Index(store, sb.itable(), sb.orphans());
        List<LogBlock> chain = Log.read(store, sb.logHead(), sb.logCount(), sb.seq());
        int applied = 0;
        boolean first = true;
        int i = 0;
        while (i < chain.size()) {
            long seq = chain.get(i).seq();
            int j = i;
            while (j < chain.size() && chain.get(j).seq() == seq) {
                alloc.change(chain.get(j).block(), 1, true, "log block of commit " + seq);
                alloc.chainBlocks.add(new long[] {chain.get(j).block(), 1});
                j++;
            }
            for (int k = i; k < j; k++) {
                LogBlock b = chain.get(k);
                for (LogRecord r : b.records()) {
                    try {
                        apply(r, alloc, index, sb, first);
                    } catch (CorruptFilesystemException e) {
                        throw new CorruptFilesystemException(dev, b.block(), r + " of commit " + seq + ": "
                                + e.problem() + (e.block() >= 0 ? " (block " + e.block() + ")" : ""), e);
                    }
                    first = false;
                    applied++;
                }
            }
            index.endCommit(seq);
            index.unpinReplaced();
            i = j;
        }
        if (alloc.free() != sb.freeBlocks()) {
            throw new CorruptFilesystemException(dev, sb.seq() & 1, "after replay " + alloc.free()
                    + " blocks are free but the superblock of commit " + sb.seq() + " says " + sb.freeBlocks());
        }
        // The superblock already counts the inodes the replayed commits added.
        index.takeInodesAdded();
        return new Result(alloc, index, chain.size(), applied);
    }

    private static void apply(LogRecord r, Allocation alloc, Index index, Superblock sb, boolean first)
            throws IOException {
        String dev = alloc.deviceName();
        if (first && !sb.cleanRollup() && r.type() != DiskFormat.UNIFY) {
            throw new CorruptFilesystemException(dev, -1, "the chain after rollup " + sb.rollup()
                    + " does not start with its UNIFY record");
        }
        switch (r.type()) {
            case DiskFormat.BALLOC -> alloc.change(r.a(), r.b(), true, "BALLOC");
            case DiskFormat.BFREE -> alloc.change(r.a(), r.b(), false, "BFREE");
            case DiskFormat.ROLLUP_BLOCKS -> {
                for (long x = r.a(); x < r.a() + r.b(); x++) {
                    if (x < 2 || x >= sb.blockCount() || !alloc.isSet(x)) {
                        throw new CorruptFilesystemException(dev, x, "a block the rollup wrote is not in use");
                    }
                }
            }
            case DiskFormat.UNIFY -> {
                if (!first || sb.cleanRollup() || r.a() != sb.rollup()) {
                    throw new CorruptFilesystemException(dev, -1, "a rollup marker must open the chain and carry"
                            + " the superblock's rollup " + sb.rollup());
                }
            }
            case DiskFormat.FREEBLOCKS -> {
                if (r.a() != sb.freeAtRollup()) {
                    throw new CorruptFilesystemException(dev, -1, "the superblock says " + sb.freeAtRollup()
                            + " blocks were free at rollup");
                }
            }
            default -> index.apply(r, LOGGED_SEPARATELY);
        }
    }
}
