package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import dev.quiesce.fs.Namespace.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

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
    private final Map<Long, PageMap> cache = new HashMap<>();
    private final BufferFork.Slabs slabs;

    FileData(Volume v) {
        this.v = v;
        this.bs = v.blockSize;
        this.slabs = new BufferFork.Slabs(bs, Math.min(2 * v.options.dirtyLimitBytes(), 256L << 20));
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
            Page cached = cachedPage(i.number, index);
            if (cached != null) {
                dst.put(dst.position(), cached.slab, cached.offset + off, n);
                dst.position(dst.position() + n);
            } else {
                byte[] page = null;
                if (index < holeStart(i)) {
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
            }
            done += n;
        }
        return total;
    }

    private long holeStart(Inode i) {
        return i.holeFrom == Long.MAX_VALUE ? Long.MAX_VALUE : (i.holeFrom + bs - 1) / bs;
    }

    private Page cachedPage(long inode, long index) {
        PageMap pages = cache.get(inode);
        return pages == null ? null : pages.get(index);
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
    private Page writablePage(Delta d, Inode i, PageMap pages, PageMap dirty, long index,
                              boolean whole) throws IOException {
        Page p = pages.get(index);
        if (p != null) {
            return BufferFork.writable(p, d, slabs, pages, dirty, index, bs);
        }
        p = slabs.allocate(d.number);
        byte[] old = null;
        if (!whole && index < holeStart(i) && index * bs < i.attrs.size()) {
            old = committedBlock(v.published.inode(v.store, i.number), index);
        }
        if (old != null) {
            p.slab.put(p.offset, old, 0, bs);
        } else if (!whole) {
            // A reused slab holds old bytes: what the write leaves untouched must read as zero.
            p.zero(0, bs);
        }
        pages.put(index, p);
        dirty.put(index, p);
        d.dirtyBytes += bs;
        return p;
    }

    private PageMap pagesOf(long inode) {
        return cache.computeIfAbsent(inode, x -> new PageMap());
    }

    /** Writes all of {@code src} at {@code pos} (one chunk: the caller bounds its size). */
    void write(Delta d, Inode i, long pos, ByteBuffer src) throws IOException {
        long end = pos + src.remaining();
        PageMap pages = pagesOf(i.number);
        PageMap dirty = d.pages.computeIfAbsent(i.number, x -> new PageMap());
        while (src.hasRemaining()) {
            long at = end - src.remaining();
            long index = at / bs;
            int off = (int) (at % bs);
            int n = Math.min(bs - off, src.remaining());
            Page page = writablePage(d, i, pages, dirty, index, off == 0 && n == bs);
            page.slab.put(page.offset + off, src, src.position(), n);
            src.position(src.position() + n);
        }
        long size = Math.max(i.attrs.size(), end);
        v.namespace.setAttrs(d, i, i.attrs.withSize(size, v.now()));
    }

    void truncate(Delta d, Inode i, long size) throws IOException {
        long old = i.attrs.size();
        if (size < old) {
            long keep = (size + bs - 1) / bs;
            PageMap pages = cache.get(i.number);
            if (pages != null) {
                pages.removeFrom(keep);
            }
            PageMap dirty = d.pages.get(i.number);
            if (dirty != null) {
                dirty.removeFrom(keep);
            }
            if (size % bs != 0) {
                Page tail = writablePage(d, i, pagesOf(i.number),
                        d.pages.computeIfAbsent(i.number, x -> new PageMap()), size / bs, false);
                tail.zero((int) (size % bs), bs);
            }
            d.truncates.merge(i.number, size, Math::min);
            d.dropPrewritten(i.number, keep);
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
        for (Iterator<PageMap> it = cache.values().iterator(); it.hasNext(); ) {
            PageMap pages = it.next();
            boolean newer = pages.any(p -> p.delta > seq);
            // Usually every page of a file was in the commit: drop the map whole rather
            // than page by page.
            if (newer) {
                pages.removeIf(p -> p.delta <= seq);
            }
            if (!newer || pages.isEmpty()) {
                it.remove();
            }
        }
        slabs.published(seq);
    }
}
