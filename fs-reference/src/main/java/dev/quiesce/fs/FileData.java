package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import dev.quiesce.fs.Namespace.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * File contents in the front end: a page cache of the blocks written since the last
 * published commit, over the committed extent trees. Writes only touch pages (delayed
 * allocation: the committer picks physical blocks); reads take a page if there is one,
 * else the committed block, else zeros for a hole. Pages of a published commit are
 * dropped, so the cache holds only dirty data. Every method runs under the volume lock.
 */
final class FileData {
    private final Volume v;
    private final int bs;
    private final Map<Long, TreeMap<Long, Page>> cache = new HashMap<>();

    FileData(Volume v) {
        this.v = v;
        this.bs = v.blockSize;
    }

    boolean hasPages(long inode) {
        return cache.containsKey(inode);
    }

    /** Reads from {@code pos} into {@code dst}; returns bytes read, -1 at or past the end. */
    int read(Inode i, long pos, ByteBuffer dst) throws IOException {
        long size = i.attrs.size();
        if (pos >= size) {
            return dst.hasRemaining() ? -1 : 0;
        }
        int total = (int) Math.min(dst.remaining(), size - pos);
        int done = 0;
        DiskFormat.InodeRecord rec = null;
        boolean recLoaded = false;
        while (done < total) {
            long at = pos + done;
            long index = at / bs;
            int off = (int) (at % bs);
            int n = Math.min(bs - off, total - done);
            byte[] page = cachedPage(i.number, index);
            if (page == null && index < holeStart(i)) {
                if (!recLoaded) {
                    rec = v.published.inode(v.store, i.number);
                    recLoaded = true;
                }
                page = committedBlock(rec, index);
            }
            if (page == null) {
                for (int k = 0; k < n; k++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(page, off, n);
            }
            done += n;
        }
        return total;
    }

    private long holeStart(Inode i) {
        return i.holeFrom == Long.MAX_VALUE ? Long.MAX_VALUE : (i.holeFrom + bs - 1) / bs;
    }

    private byte[] cachedPage(long inode, long index) {
        TreeMap<Long, Page> pages = cache.get(inode);
        Page p = pages == null ? null : pages.get(index);
        return p == null ? null : p.data;
    }

    private byte[] committedBlock(DiskFormat.InodeRecord rec, long index) throws IOException {
        if (rec == null || rec.root().isEmpty()) {
            return null;
        }
        long[] physical = {-1};
        new BTree(v.store, DiskFormat.KIND_EXTENTS, rec.root()).floor(index, (k, ext) -> {
            if (index < k + DiskFormat.extentCount(ext)) {
                physical[0] = DiskFormat.extentPhysical(ext) + (index - k);
            }
            return true;
        });
        if (physical[0] < 0) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(bs);
        v.device.read(physical[0], b);
        return b.array();
    }

    /** The page of {@code index} made writable in {@code d}, with its current contents. */
    private byte[] writablePage(Delta d, Inode i, long index, boolean whole) throws IOException {
        TreeMap<Long, Page> pages = cache.computeIfAbsent(i.number, x -> new TreeMap<>());
        Page p = pages.get(index);
        if (p != null) {
            return BufferFork.writable(p, d, i.number, index);
        }
        byte[] data = new byte[bs];
        if (!whole && index < holeStart(i) && index * bs < i.attrs.size()) {
            byte[] old = committedBlock(v.published.inode(v.store, i.number), index);
            if (old != null) {
                data = old;
            }
        }
        pages.put(index, new Page(data, d.number));
        d.pages.computeIfAbsent(i.number, x -> new TreeMap<>()).put(index, data);
        d.dirtyBytes += bs;
        return data;
    }

    /** Writes all of {@code src} at {@code pos} (one chunk: the caller bounds its size). */
    void write(Delta d, Inode i, long pos, ByteBuffer src) throws IOException {
        long end = pos + src.remaining();
        while (src.hasRemaining()) {
            long at = end - src.remaining();
            long index = at / bs;
            int off = (int) (at % bs);
            int n = Math.min(bs - off, src.remaining());
            byte[] page = writablePage(d, i, index, off == 0 && n == bs);
            src.get(page, off, n);
        }
        long size = Math.max(i.attrs.size(), end);
        v.namespace.setAttrs(d, i, i.attrs.withSize(size, v.now()));
    }

    void truncate(Delta d, Inode i, long size) throws IOException {
        long old = i.attrs.size();
        if (size < old) {
            long keep = (size + bs - 1) / bs;
            TreeMap<Long, Page> pages = cache.get(i.number);
            if (pages != null) {
                pages.tailMap(keep, true).clear();
            }
            TreeMap<Long, byte[]> dirty = d.pages.get(i.number);
            if (dirty != null) {
                dirty.tailMap(keep, true).clear();
            }
            if (size % bs != 0) {
                byte[] tail = writablePage(d, i, size / bs, false);
                java.util.Arrays.fill(tail, (int) (size % bs), bs, (byte) 0);
            }
            d.truncates.merge(i.number, size, Math::min);
            i.holeFrom = Math.min(i.holeFrom, size);
            i.holeDelta = d.number;
        }
        v.namespace.setAttrs(d, i, i.attrs.withSize(size, v.now()));
    }

    void drop(long inode) {
        cache.remove(inode);
    }

    /** Drops the pages the published commit {@code seq} wrote and nobody dirtied since. */
    void published(long seq) {
        for (Iterator<TreeMap<Long, Page>> it = cache.values().iterator(); it.hasNext(); ) {
            TreeMap<Long, Page> pages = it.next();
            pages.values().removeIf(p -> p.delta <= seq);
            if (pages.isEmpty()) {
                it.remove();
            }
        }
    }
}
