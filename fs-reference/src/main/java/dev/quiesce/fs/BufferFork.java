package dev.quiesce.fs;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

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
 * <p>Pages are block-sized slices of 4 MiB slabs of direct (off-heap) memory, handed out
 * in order ({@link Slabs}), not one array per block: a sequential write lands in
 * consecutive slices, so the committer writes a whole slab run to the device in one call,
 * and the JDK hands direct memory to the operating system without the copy into a
 * temporary direct buffer that a heap array costs on every write. Slabs are pooled: once
 * the commit of the newest delta that took a page from a full slab is published, no page
 * of it is reachable (the cache drops every page of a published delta, a delta's page
 * list dies with its commit), and the slab is reused - memory already touched, no
 * allocation, no wait for the garbage collector to free direct memory.
 */
final class BufferFork {
    private static final byte[] ZEROS = new byte[FormatOptions.MAX_BLOCK_SIZE];

    private BufferFork() {
    }

    /** A cached data page: {@code blockSize} bytes of {@code slab} from {@code offset}, owned by {@code delta}. */
    static final class Page {
        final ByteBuffer slab;
        final int offset;
        final long delta;

        Page(ByteBuffer slab, int offset, long delta) {
            this.slab = slab;
            this.offset = offset;
            this.delta = delta;
        }

        /** True if {@code next} directly follows this page in the same slab. */
        boolean adjoins(Page next, int blockSize) {
            return next.slab == slab && next.offset == offset + blockSize;
        }

        /** Sets {@code [from, to)} of the page to zero. */
        void zero(int from, int to) {
            slab.put(offset + from, ZEROS, 0, to - from);
        }
    }

    /** Hands out block-sized slices of pooled slabs, in order. Guarded by the volume lock. */
    static final class Slabs {
        private static final int SLAB_BYTES = 4 << 20;
        private final int blockSize;
        private final int slabBytes;
        private final int maxPooled;
        private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
        /** Full slabs, with the newest delta that took a page from each, oldest first. */
        private final ArrayDeque<Object[]> retired = new ArrayDeque<>();
        private ByteBuffer slab;
        private long slabDelta;
        private int next;

        /** {@code poolBytes}: how much free slab memory to keep for reuse. */
        Slabs(int blockSize, long poolBytes) {
            this.blockSize = blockSize;
            this.slabBytes = Math.max(blockSize, SLAB_BYTES / blockSize * blockSize);
            this.maxPooled = (int) Math.max(1, Math.min(1024, poolBytes / slabBytes));
            this.next = slabBytes;
        }

        /**
         * A page for {@code delta}. Its bytes are whatever the slab held before (a reused
         * slab): the caller overwrites or zeroes all of them.
         */
        Page allocate(long delta) {
            if (next == slabBytes) {
                if (slab != null) {
                    retired.add(new Object[] {slab, slabDelta});
                }
                slab = pool.isEmpty() ? ByteBuffer.allocateDirect(slabBytes) : pool.poll();
                next = 0;
            }
            Page p = new Page(slab, next, delta);
            slabDelta = Math.max(slabDelta, delta);
            next += blockSize;
            return p;
        }

        /** Commit {@code seq} is published: full slabs none of whose pages is newer are free again. */
        void published(long seq) {
            while (!retired.isEmpty() && (long) retired.peek()[1] <= seq) {
                ByteBuffer free = (ByteBuffer) retired.poll()[0];
                if (pool.size() < maxPooled) {
                    pool.add(free);
                }
            }
        }
    }

    /**
     * The page at {@code index} made writable in {@code delta}: {@code page} itself when
     * the delta already owns it, else a fork holding a copy, which replaces it in
     * {@code cache}. Either way the page is registered in {@code dirty}, the delta's pages of the file.
     */
    static Page writable(Page page, Delta delta, Slabs slabs, PageMap cache, PageMap dirty, long index,
                         int blockSize) {
        Page p = page;
        if (page.delta != delta.number) {
            p = slabs.allocate(delta.number);
            p.slab.put(p.offset, page.slab, page.offset, blockSize);
            cache.put(index, p);
            delta.dirtyBytes += blockSize;
        }
        dirty.put(index, p);
        return p;
    }
}
