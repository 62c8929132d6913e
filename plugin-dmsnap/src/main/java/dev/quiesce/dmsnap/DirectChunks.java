package dev.quiesce.dmsnap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The origin chunks a write may take straight to the origin, without the engine's lock
 * and without looking at any exception table: one bit per chunk, "no live snapshot needs
 * a copy of this chunk and no write to it is held".
 *
 * <h2>Why it is safe</h2>
 * Needs only grow at a cut (and a merge forbids origin writes altogether); deleting or
 * invalidating a snapshot only shrinks them. So a bit, once set under the engine's lock,
 * stays true until the next cut, merge, delete or close, each of which calls
 * {@link #invalidate()}. Bits are kept per generation in pages of 4096 chunks: a page
 * whose generation is not the current one counts as all clear, which makes invalidating
 * constant-time (the cut stays O(1)); the engine refills a stale page lazily, under its
 * lock, the first time a write needs it.
 *
 * <p>A bit is set only after the origin write that made it true has returned (a held
 * write has been written at its commit, after its exception was durable), and with release
 * semantics; writers read it with acquire semantics. So a lock-free write to the chunk is
 * ordered after that origin write.
 *
 * <h2>Writers in flight</h2>
 * A lock-free writer announces itself in a striped counter before reading the
 * generation and leaves after its device write returns. {@link #invalidate()} changes the
 * generation first and then waits until every stripe reads zero. Both sides use volatile
 * accesses, so either the writer sees the new generation (and takes the locked path) or
 * the invalidation sees the writer and waits for its write to land: a cut never overlaps a
 * lock-free write, and no write that began before it can land half-way through a copy made
 * after it.
 *
 * <p>Bits and pages are changed only under the engine's write lock.
 */
final class DirectChunks {
    static final int PAGE_SHIFT = 12;
    static final int PAGE_CHUNKS = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_CHUNKS - 1;
    /** Stripes of the in-flight counter, 16 longs (128 bytes) apart so writers on different cores share no line. */
    private static final int STRIPES = 16;
    private static final int STRIDE = 16;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(long[][].class);

    /** Page p covers chunks [p * 4096, (p + 1) * 4096): word 0 is its generation, words 1..64 the bits. */
    private final long[][] pages;
    private final AtomicLongArray inFlight = new AtomicLongArray(STRIPES * STRIDE);
    private volatile long generation = 1;

    DirectChunks(long originChunks) {
        this.pages = new long[(int) ((originChunks + PAGE_CHUNKS - 1) >>> PAGE_SHIFT)][];
    }

    /** Announces a lock-free writer; returns the stripe to pass to {@link #leave}. */
    int enter() {
        int stripe = ((int) Thread.currentThread().getId() & (STRIPES - 1)) * STRIDE;
        inFlight.getAndIncrement(stripe);
        return stripe;
    }

    void leave(int stripe) {
        inFlight.getAndDecrement(stripe);
    }

    /** Between {@link #enter} and {@link #leave}: whether every chunk in {@code [first, last]} is direct now. */
    boolean allDirect(int first, int last) {
        long g = generation;
        for (int c = first; c <= last; c++) {
            long[] page = (long[]) PAGES.getAcquire(pages, c >>> PAGE_SHIFT);
            if (page == null || (long) WORDS.getAcquire(page, 0) != g
                    || ((long) WORDS.getAcquire(page, 1 + ((c & PAGE_MASK) >>> 6)) & (1L << c)) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Under the engine's write lock: clears every bit (by a new generation) and waits until
     * no lock-free writer that could have read an old bit is still writing. Constant time
     * apart from that wait, which lasts at most one device write.
     */
    void invalidate() {
        generation = generation + 1;
        for (int s = 0; s < STRIPES * STRIDE; s += STRIDE) {
            int spins = 0;
            while (inFlight.get(s) != 0) {
                if (++spins < 1000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** Under the engine's lock: whether chunk {@code c}'s page holds bits of the current generation. */
    boolean pageCurrent(int c) {
        long[] page = pages[c >>> PAGE_SHIFT];
        return page != null && page[0] == generation;
    }

    /**
     * Under the engine's write lock: makes chunk {@code c}'s page current, its bits set by
     * {@code fill} (given the page's first chunk and its words, bit i of the page at word
     * {@code 1 + i / 64}), then publishes it. Writers see the bits no earlier than the
     * generation, which is written last.
     */
    void refresh(int c, PageFill fill) {
        int p = c >>> PAGE_SHIFT;
        long[] page = pages[p];
        if (page == null) {
            page = new long[1 + PAGE_CHUNKS / 64];
        }
        java.util.Arrays.fill(page, 1, page.length, 0L);
        fill.fill(p << PAGE_SHIFT, page);
        VarHandle.releaseFence();
        WORDS.setRelease(page, 0, generation);
        PAGES.setRelease(pages, p, page);
    }

    /** Under the engine's write lock, on a current page: marks {@code c} direct; call only after its origin write returned. */
    void mark(int c) {
        long[] page = pages[c >>> PAGE_SHIFT];
        int i = 1 + ((c & PAGE_MASK) >>> 6);
        WORDS.setRelease(page, i, page[i] | (1L << c));
    }

    /**
     * Sets the bits of the chunks in {@code [first, first + 4096)} that no live snapshot
     * used at its cut (so no copy can be needed) and that hold no write; a chunk copied in
     * this interval is marked by the write or commit that meets it.
     */
    static void fill(StoreGeometry geometry, java.util.List<CowEngine.Interval> intervals,
                     int[] held, int first, long[] page) {
        int cb = geometry.chunkBytes();
        long end = Math.min(geometry.originBytes(), ((long) first + PAGE_CHUNKS) * cb);
        long from = (long) first * cb;
        if (from >= end) {
            return;
        }
        int count = (int) ((end - from + cb - 1) / cb);
        for (CowEngine.Interval it : intervals) {
            if (it.snapshot.valid() && it.snapshot.usage == null) {
                return;
            }
        }
        // Word at a time: a page is refilled once per generation, too rarely for the JIT to
        // compile this, and a bit-at-a-time loop over 4096 chunks costs ~100 us interpreted.
        java.util.Arrays.fill(page, 1, 1 + (count >>> 6), -1L);
        if ((count & 63) != 0) {
            page[1 + (count >>> 6)] = (1L << count) - 1;
        }
        for (CowEngine.Interval it : intervals) {
            SnapshotRecord s = it.snapshot;
            if (!s.valid()) {
                continue;
            }
            long ubs = s.usage.blockSize();
            long b = s.usage.nextInUse(from / ubs);
            while (b >= 0 && b * ubs < end) {
                long lo = Math.max(first, b * ubs / cb);
                long hi = Math.min(first + count - 1L, ((b + 1) * ubs - 1) / cb);
                clear(page, (int) (lo - first), (int) (hi - first));
                b = s.usage.nextInUse(Math.max(b + 1, (hi + 1) * cb / ubs));
            }
        }
        for (int c : held) {
            if (c >= first && c < first + count) {
                int i = c - first;
                page[1 + (i >>> 6)] &= ~(1L << i);
            }
        }
    }

    /** Clears the bits of page chunks {@code lo..hi} (inclusive), a word at a time. */
    private static void clear(long[] page, int lo, int hi) {
        int wlo = lo >>> 6;
        int whi = hi >>> 6;
        long loMask = -1L << lo;
        long hiMask = -1L >>> (63 - (hi & 63));
        if (wlo == whi) {
            page[1 + wlo] &= ~(loMask & hiMask);
            return;
        }
        page[1 + wlo] &= ~loMask;
        java.util.Arrays.fill(page, 2 + wlo, 1 + whi, 0L);
        page[1 + whi] &= ~hiMask;
    }

    /** Fills a stale page's bits. */
    interface PageFill {
        void fill(int firstChunk, long[] page);
    }
}
