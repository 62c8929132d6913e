package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogBlock;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replay at mount: rebuilds the in-cache bitmap from the bitmap written at the last
 * rollup plus the log since. It reads the chain, checks every block (magic, checksum,
 * volume, commit order, record codes), then commit by commit marks the commit's own log
 * blocks in use and applies its records. Every bitmap change is test-and-set: setting a
 * set bit or clearing a clear one is reported as corruption, never ignored. At the end
 * the free count must equal the superblock's, and the orphan records must agree with the
 * orphan table. Replay writes nothing, so a read-only mount replays too.
 */
final class Replay {
    private Replay() {
    }

    /** What replay found, for reports and benchmarks. */
    record Result(Allocation allocation, int logBlocks, int records) {
    }

    static Result run(NodeStore store, Superblock sb) throws IOException {
        String dev = store.deviceName();
        Allocation alloc = new Allocation(store, sb.bitmap(), sb.freeAtRollup());
        List<LogBlock> chain = Log.read(store, sb.logHead(), sb.logCount(), sb.seq());
        Map<Long, Boolean> orphanOps = new TreeMap<>();
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
                    String why = r + " of commit " + seq + " in log block " + b.block();
                    switch (r.type()) {
                        case DiskFormat.BALLOC -> alloc.change(r.a(), r.b(), true, why);
                        case DiskFormat.BFREE -> alloc.change(r.a(), r.b(), false, why);
                        case DiskFormat.REDIRECT -> {
                            if (!alloc.isSet(r.b()) || r.a() < 2 || r.a() >= store.blockCount() || alloc.isSet(r.a())) {
                                throw new CorruptFilesystemException(dev, b.block(), why
                                        + ": the new block must be allocated and the old one released");
                            }
                        }
                        case DiskFormat.ORPHAN_ADD -> orphanOps.put(r.a(), true);
                        case DiskFormat.ORPHAN_DEL -> orphanOps.put(r.a(), false);
                        case DiskFormat.UNIFY -> {
                            if (!first || sb.cleanRollup() || r.a() != sb.rollup()) {
                                throw new CorruptFilesystemException(dev, b.block(), why + ": a rollup marker must"
                                        + " open the chain and carry the superblock's rollup " + sb.rollup());
                            }
                        }
                        case DiskFormat.FREEBLOCKS -> {
                            if (r.a() != sb.freeAtRollup()) {
                                throw new CorruptFilesystemException(dev, b.block(), why
                                        + ": the superblock says " + sb.freeAtRollup() + " blocks were free at rollup");
                            }
                        }
                        default -> throw new CorruptFilesystemException(dev, b.block(), "unknown record " + r);
                    }
                    if (first && !sb.cleanRollup() && r.type() != DiskFormat.UNIFY) {
                        throw new CorruptFilesystemException(dev, b.block(), "the chain after rollup "
                                + sb.rollup() + " does not start with its UNIFY record");
                    }
                    first = false;
                    applied++;
                }
            }
            i = j;
        }
        if (alloc.free() != sb.freeBlocks()) {
            throw new CorruptFilesystemException(dev, sb.seq() & 1, "after replay " + alloc.free()
                    + " blocks are free but the superblock of commit " + sb.seq() + " says " + sb.freeBlocks());
        }
        BTree orphans = new BTree(store, DiskFormat.KIND_ORPHANS, sb.orphans());
        for (Map.Entry<Long, Boolean> o : orphanOps.entrySet()) {
            if ((orphans.get(o.getKey()) != null) != o.getValue()) {
                throw new CorruptFilesystemException(dev, sb.orphans().block(), "the log says inode " + o.getKey()
                        + (o.getValue() ? " became" : " stopped being") + " an orphan, the orphan table disagrees");
            }
        }
        return new Result(alloc, chain.size(), applied);
    }
}
