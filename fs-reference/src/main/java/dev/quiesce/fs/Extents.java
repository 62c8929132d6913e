package dev.quiesce.fs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes to an extent tree (logical block -> physical run): map a new run over a range,
 * and cut everything from a block on. The data blocks no longer mapped go to
 * {@code data} (the commit's delayed frees), the tree's replaced nodes to {@code nodes}.
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
    private static void unmap(BTree t, long from, long to, BTree.Frees nodes, BTree.Frees data) throws IOException {
        for (long[] h : overlapping(t, from, to)) {
            long k = h[0];
            long p = h[1];
            long end = k + h[2];
            if (k < from) {
                t.put(k, DiskFormat.encodeExtent(p, from - k), nodes);
            } else {
                t.remove(k, nodes);
            }
            if (end > to) {
                t.put(to, DiskFormat.encodeExtent(p + (to - k), end - to), nodes);
            }
            long lo = Math.max(k, from);
            long hi = Math.min(end, to);
            data.free(p + (lo - k), hi - lo);
        }
    }

    static void map(BTree t, long logical, long physical, long count, BTree.Frees nodes, BTree.Frees data)
            throws IOException {
        unmap(t, logical, logical + count, nodes, data);
        t.put(logical, DiskFormat.encodeExtent(physical, count), nodes);
    }

    static void cut(BTree t, long firstBlock, BTree.Frees nodes, BTree.Frees data) throws IOException {
        unmap(t, firstBlock, Long.MAX_VALUE, nodes, data);
    }
}
