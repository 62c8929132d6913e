package dev.quiesce.fs;

import java.util.TreeMap;

/**
 * Buffer forking for data pages, and the slabs the pages live in.
 *
 * <p>Each cached page remembers the delta that last dirtied it. When the front end writes
 * a page that belongs to an earlier delta - one the committer may be writing out right
 * now - it gets a new page for the current delta holding a copy, and the committer keeps
 * the original: one buffer never mixes two deltas, and a writer never waits for a commit
 * in progress. A {@link Page} is therefore immutable apart from its bytes, which only the
 * delta that owns it writes.
 *
 * <p>Pages are block-sized slices of large slabs handed out in order ({@link Slabs}), not
 * one array per block: a sequential write lands in consecutive slices, so the committer
 * writes a whole slab run to the device in one call without copying it, and the garbage
 * collector sees one large array per slab instead of thousands of small ones. A slab is
 * reclaimed once no page in it is referenced (pages are dropped when their commit is
 * published). Slices are never reused, so a fresh page is already zero.
 */
final class BufferFork {
    private BufferFork() {
    }

    /** A cached data page: {@code blockSize} bytes of {@code slab} from {@code offset}, owned by {@code delta}. */
    static final class Page {
        final byte[] slab;
        final int offset;
        final long delta;

        Page(byte[] slab, int offset, long delta) {
            this.slab = slab;
            this.offset = offset;
            this.delta = delta;
        }

        /** True if {@code next} directly follows this page in the same slab. */
        boolean adjoins(Page next, int blockSize) {
            return next.slab == slab && next.offset == offset + blockSize;
        }
    }

    /** Hands out zeroed block-sized slices of large slabs, in order. Guarded by the volume lock. */
    static final class Slabs {
        /**
         * Just under 4 MiB: large enough that G1 (regions of 1-4 MiB on heaps up to 8 GiB)
         * allocates a slab as one humongous object that young collections never copy, and
         * one block short of a 4 MiB region so that the array header still fits it.
         */
        private static final int SLAB_BYTES = 4 << 20;
        private final int blockSize;
        private final int slabBytes;
        private byte[] slab;
        private int next;

        Slabs(int blockSize) {
            this.blockSize = blockSize;
            this.slabBytes = Math.max(blockSize, SLAB_BYTES / blockSize * blockSize - blockSize);
            this.next = slabBytes;
        }

        Page allocate(long delta) {
            if (next == slabBytes) {
                slab = new byte[slabBytes];
                next = 0;
            }
            Page p = new Page(slab, next, delta);
            next += blockSize;
            return p;
        }
    }

    /**
     * The page at {@code index} made writable in {@code delta}: {@code page} itself when
     * the delta already owns it, else a fork holding a copy, which replaces it in
     * {@code cache}. Either way the page is registered with the delta.
     */
    static Page writable(Page page, Delta delta, Slabs slabs, TreeMap<Long, Page> cache, long inode, long index,
                         int blockSize) {
        Page p = page;
        if (page.delta != delta.number) {
            p = slabs.allocate(delta.number);
            System.arraycopy(page.slab, page.offset, p.slab, p.offset, blockSize);
            cache.put(index, p);
            delta.dirtyBytes += blockSize;
        }
        delta.pages.computeIfAbsent(inode, i -> new TreeMap<>()).put(index, p);
        return p;
    }
}
