package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writeback ahead of the commit, so that writing data overlaps the front end filling the
 * delta and a commit (an fsync, a freeze) finds most of its data already written. Once
 * the current delta holds {@link DuskOptions#writebackBytes()} not yet written, the front
 * end asks the committer for a pass ({@link Commit#requestWriteback}); a pass takes every
 * dirty page of the current delta, chooses its blocks now and writes it. The allocation
 * is logged with the delta's commit ({@link Delta#prewritten}: BALLOC and EXTENT_MAP
 * records, before the delta's remaining pages), so the index changes only at commit.
 *
 * <p>Why this is safe: the blocks come from free blocks, so nothing the committed image
 * references is touched, and a crash before the commit leaves them free (nothing logged
 * them). A page the front end writes again meanwhile is back among the delta's pages and
 * is written again at commit, whose EXTENT_MAP then frees the earlier copy; so a page
 * changed while being written out is never the one that counts. A truncation or
 * deletion drops the runs it no longer needs ({@link Delta#dropPrewritten}), and the
 * commit gives their blocks back unlogged. Runs only the committer thread allocates.
 */
final class Writeback {
    private Writeback() {
    }

    /** One pass over the current delta (by the holder of the commit lock); returns the bytes written. */
    static long run(Volume v, Allocation alloc, int maxRun) throws IOException {
        int bs = v.blockSize;
        List<Object[]> work = new ArrayList<>();
        v.lock.lock();
        try {
            Delta d = v.current;
            d.writebackAsked = false;
            for (Map.Entry<Long, PageMap> e : new TreeMap<>(d.pages).entrySet()) {
                long ino = e.getKey();
                e.getValue().forEachRun(maxRun,
                        (start, run, n) -> allocate(alloc, d, ino, start, Arrays.copyOf(run, n), work));
                d.writtenBackBytes += (long) e.getValue().size() * bs;
            }
            d.pages.clear();
        } finally {
            v.lock.unlock();
        }
        long written = 0;
        for (Object[] w : work) {
            writeStretches(v.device, (Page[]) w[0], (int) w[1], (int) w[2], (long) w[3], null);
            written += (long) ((int) w[2] - (int) w[1]) * bs;
        }
        return written;
    }

    /** Chooses blocks for a run of pages of the current delta (under the volume lock). */
    private static void allocate(Allocation alloc, Delta d, long ino, long logical, Page[] run, List<Object[]> work)
            throws IOException {
        int done = 0;
        while (done < run.length) {
            long[] ext = alloc.allocate(run.length - done, null);
            d.prewritten.add(new long[] {ino, logical + done, ext[0], ext[1]});
            work.add(new Object[] {run, done, done + (int) ext[1], ext[0]});
            done += (int) ext[1];
        }
    }

    /**
     * Writes pages {@code [from, to)} of {@code run} to the blocks from {@code physical},
     * one device write per stretch of pages adjacent in one slab, straight from the slab;
     * {@code sealed} (if not null) notes them for a sealed commit.
     */
    static void writeStretches(BlockDevice device, Page[] run, int from, int to, long physical,
                               CommitSeal.Writes sealed) throws IOException {
        int bs = device.blockSize();
        int k = from;
        while (k < to) {
            int j = k + 1;
            while (j < to && run[j - 1].adjoins(run[j], bs)) {
                j++;
            }
            long at = physical + (k - from);
            ByteBuffer data = run[k].slab.slice(run[k].offset, (j - k) * bs);
            if (sealed != null) {
                sealed.add(at, data);
            }
            device.write(at, data);
            k = j;
        }
    }
}
