package dev.quiesce.fs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes to an extent tree (logical block -> physical run): map a new run over a range,
 * and cut everything from a block on. The blocks no longer mapped go to the delayed-free
 * list of the commit.
 */
final class Extents {
    private Extents() {
    }

    private static List<long[]> overlapping(BTree t, long from, long to) throws IOException {
        List<long[]> hits = new ArrayList<>();
        t.floor(from, (k, ext) -> {
            if (k < from && k + DiskFormat.extentCount(ext) > from) {
                hits.add(new long[] {k, DiskFormat.extentPhysical(ext), DiskFormat.extentCount(ext)});
            }
            return true;
        });
        t.forEach(from, (k, ext) -> {
            if (k >= to) {
                return false;
            }
            hits.add(new long[] {k, DiskFormat.extentPhysical(ext), DiskFormat.extentCount(ext)});
            return true;
        });
        return hits;
    }

    /** Unmaps {@code [from, to)}, keeping the parts of extents outside it. */
    private static void unmap(BTree t, long from, long to, BTree.Frees frees) throws IOException {
        for (long[] h : overlapping(t, from, to)) {
            long k = h[0];
            long p = h[1];
            long end = k + h[2];
            if (k < from) {
                t.put(k, DiskFormat.encodeExtent(p, from - k), frees);
            } else {
                t.remove(k, frees);
            }
            if (end > to) {
                t.put(to, DiskFormat.encodeExtent(p + (to - k), end - to), frees);
            }
            long lo = Math.max(k, from);
            long hi = Math.min(end, to);
            frees.free(p + (lo - k), hi - lo);
        }
    }

    static void map(BTree t, long logical, long physical, long count, BTree.Frees frees) throws IOException {
        unmap(t, logical, logical + count, frees);
        t.put(logical, DiskFormat.encodeExtent(physical, count), frees);
    }

    static void cut(BTree t, long firstBlock, BTree.Frees frees) throws IOException {
        unmap(t, firstBlock, Long.MAX_VALUE, frees);
    }
}
