package dev.quiesce.dmsnap;

import java.util.Arrays;

/**
 * The exceptions of one interval between cuts: origin chunk to data chunk, with no object
 * per exception.
 *
 * <p>Most entries live in {@code sorted}: exception words ({@link StoreCodec#exception})
 * in origin order, found by binary search, 8 bytes each. They are held in pieces of
 * 32768 words (the last one exactly sized) rather than one array, because a collector
 * with regions (G1) rounds a huge array up to whole regions, which would add bytes per
 * exception.
 * New entries go to {@code recent}, a small open-addressing hash of words whose capacity
 * follows the square root of the table, so it adds O(sqrt n) bytes, not O(n); when it is
 * half full it is folded into {@code sorted} by one merge pass, which costs O(sqrt n)
 * amortised per insert. Reopening a store builds {@code sorted} straight from the slot
 * table (see {@link #fromUnsorted}).
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class ExceptionTable {
    private static final long EMPTY = StoreCodec.NO_EXCEPTION;
    private static final int MIN_RECENT = 64;

    private static final int PIECE_SHIFT = 15;
    private static final int PIECE = 1 << PIECE_SHIFT;

    private long[][] pieces;
    private int sortedSize;
    private long[] recent;
    private int recentCount;

    private ExceptionTable(long[] sorted, int n) {
        setSorted(sorted, n);
        // A table that is only read (reopened, or an old interval) keeps the smallest hash;
        // the first fold sizes it for inserts.
        recent = newRecent(0);
    }

    private void setSorted(long[] words, int n) {
        int count = (n + PIECE - 1) >>> PIECE_SHIFT;
        long[][] p = new long[count][];
        for (int i = 0; i < count; i++) {
            int from = i << PIECE_SHIFT;
            p[i] = Arrays.copyOfRange(words, from, Math.min(n, from + PIECE));
        }
        pieces = p;
        sortedSize = n;
        recent = newRecent(n);
        recentCount = 0;
    }

    private long sortedAt(int i) {
        return pieces[i >>> PIECE_SHIFT][i & (PIECE - 1)];
    }

    private long[] sortedArray() {
        long[] out = new long[sortedSize];
        for (int i = 0; i < pieces.length; i++) {
            System.arraycopy(pieces[i], 0, out, i << PIECE_SHIFT, pieces[i].length);
        }
        return out;
    }

    static ExceptionTable empty() {
        return new ExceptionTable(new long[0], 0);
    }

    /**
     * A table from {@code n} exception words in any order (the array may be reused).
     * Where two words share an origin chunk (stale slots a crash left behind),
     * {@code choose} returns the one to keep and the other's data chunk goes to
     * {@code dropped}. Sorting is a two-pass radix sort on the 31-bit origin, so
     * reopening stays linear.
     */
    static ExceptionTable fromUnsorted(long[] words, int n, java.util.function.LongBinaryOperator choose,
                                       java.util.function.LongConsumer dropped) {
        long[] s = radixSortByOrigin(words, n);
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (k > 0 && StoreCodec.originOf(s[k - 1]) == StoreCodec.originOf(s[i])) {
                long keep = choose.applyAsLong(s[k - 1], s[i]);
                dropped.accept(StoreCodec.dataChunkOf(keep == s[i] ? s[k - 1] : s[i]));
                s[k - 1] = keep;
            } else {
                s[k++] = s[i];
            }
        }
        return new ExceptionTable(s, k);
    }

    /** The data chunk of {@code originChunk}, or -1. */
    long find(int originChunk) {
        long w = findRecent(originChunk);
        if (w != EMPTY) {
            return StoreCodec.dataChunkOf(w);
        }
        int i = searchSorted(originChunk);
        return i >= 0 ? StoreCodec.dataChunkOf(sortedAt(i)) : -1;
    }

    boolean contains(int originChunk) {
        return find(originChunk) >= 0;
    }

    /** Adds an exception for an origin chunk that has none in this table. */
    void put(int originChunk, long dataChunk) {
        long word = StoreCodec.exception(originChunk, dataChunk);
        int mask = recent.length - 1;
        int i = hash(originChunk) & mask;
        while (recent[i] != EMPTY) {
            if (StoreCodec.originOf(recent[i]) == originChunk) {
                throw new IllegalStateException("origin chunk " + originChunk + " already has an exception");
            }
            i = (i + 1) & mask;
        }
        recent[i] = word;
        recentCount++;
        if (recentCount * 2 >= recent.length) {
            fold();
        }
    }

    int size() {
        return sortedSize + recentCount;
    }

    /** Heap bytes held by the table's arrays (the measure of "bytes per exception"). */
    long heapBytes() {
        long bytes = 16L + 8L * pieces.length + 16L + 8L * recent.length + 32;
        for (long[] piece : pieces) {
            bytes += 16L + 8L * piece.length;
        }
        return bytes;
    }

    /** Every exception word, in origin order. */
    long[] toSortedWords() {
        fold();
        return sortedArray();
    }

    /** Calls {@code action} with every exception word, in origin order. */
    void forEach(java.util.function.LongConsumer action) {
        fold();
        for (long[] piece : pieces) {
            for (long w : piece) {
                action.accept(w);
            }
        }
    }

    /**
     * Joins the table of a deleted snapshot's interval ({@code later}) into this one,
     * the interval just before it: where both hold an origin chunk, this table's older
     * copy is what the earlier snapshot needs and {@code later}'s copy goes to
     * {@code freed}, as does any copy {@code wanted} rejects (no remaining snapshot needs it).
     */
    void absorb(ExceptionTable later, java.util.function.LongPredicate wanted, java.util.function.LongConsumer freed) {
        fold();
        long[] a = sortedArray();
        long[] b = later.toSortedWords();
        long[] out = new long[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length && j < b.length) {
            int oa = StoreCodec.originOf(a[i]);
            int ob = StoreCodec.originOf(b[j]);
            if (oa < ob) {
                out[k++] = a[i++];
            } else if (ob < oa) {
                if (wanted.test(b[j])) {
                    out[k++] = b[j];
                } else {
                    freed.accept(StoreCodec.dataChunkOf(b[j]));
                }
                j++;
            } else {
                out[k++] = a[i++];
                freed.accept(StoreCodec.dataChunkOf(b[j++]));
            }
        }
        while (i < a.length) {
            out[k++] = a[i++];
        }
        while (j < b.length) {
            if (wanted.test(b[j])) {
                out[k++] = b[j];
            } else {
                freed.accept(StoreCodec.dataChunkOf(b[j]));
            }
            j++;
        }
        setSorted(out, k);
    }

    private void fold() {
        if (recentCount == 0) {
            return;
        }
        long[] add = new long[recentCount];
        int n = 0;
        for (long w : recent) {
            if (w != EMPTY) {
                add[n++] = w;
            }
        }
        Arrays.sort(add);
        // Merge straight into the new pieces: one pass over the table, no whole-table temporary.
        int total = sortedSize + n;
        long[][] out = new long[(total + PIECE - 1) >>> PIECE_SHIFT][];
        for (int p = 0; p < out.length; p++) {
            out[p] = new long[Math.min(PIECE, total - (p << PIECE_SHIFT))];
        }
        int i = 0;
        int j = 0;
        for (int k = 0; k < total; k++) {
            long w;
            if (j == n || (i < sortedSize && sortedAt(i) < add[j])) {
                w = sortedAt(i++);
            } else {
                w = add[j++];
            }
            out[k >>> PIECE_SHIFT][k & (PIECE - 1)] = w;
        }
        pieces = out;
        sortedSize = total;
        long[] r = newRecentLength(total) == recent.length ? recent : new long[newRecentLength(total)];
        Arrays.fill(r, EMPTY);
        recent = r;
        recentCount = 0;
    }

    private long findRecent(int originChunk) {
        int mask = recent.length - 1;
        int i = hash(originChunk) & mask;
        while (true) {
            long w = recent[i];
            if (w == EMPTY || StoreCodec.originOf(w) == originChunk) {
                return w;
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Interpolation first (copied chunks are spread over the origin, so a guess from the
     * key lands close in one or two steps), then plain binary search in what is left,
     * which bounds the worst case at O(log n).
     */
    private int searchSorted(int originChunk) {
        int lo = 0;
        int hi = sortedSize - 1;
        for (int step = 0; step < 3 && lo <= hi; step++) {
            int loKey = StoreCodec.originOf(sortedAt(lo));
            int hiKey = StoreCodec.originOf(sortedAt(hi));
            if (originChunk < loKey || originChunk > hiKey) {
                return -1;
            }
            if (loKey == hiKey) {
                return lo;
            }
            int guess = lo + (int) ((long) (originChunk - loKey) * (hi - lo) / (hiKey - loKey));
            int o = StoreCodec.originOf(sortedAt(guess));
            if (o == originChunk) {
                return guess;
            }
            if (o < originChunk) {
                lo = guess + 1;
            } else {
                hi = guess - 1;
            }
        }
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int o = StoreCodec.originOf(sortedAt(mid));
            if (o < originChunk) {
                lo = mid + 1;
            } else if (o > originChunk) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private static long[] newRecent(int sortedSize) {
        long[] r = new long[newRecentLength(sortedSize)];
        Arrays.fill(r, EMPTY);
        return r;
    }

    /**
     * About 8 sqrt(n) slots, a power of two: a fold every ~4 sqrt(n) inserts keeps the
     * amortised merge cost near sqrt(n)/4 words per insert, for O(sqrt n) bytes.
     */
    private static int newRecentLength(int sortedSize) {
        int want = Math.max(MIN_RECENT, 8 * (int) Math.sqrt(sortedSize));
        return Integer.highestOneBit(want - 1) << 1;
    }

    private static int hash(int key) {
        int h = key * 0x9E3779B1;
        return h ^ (h >>> 16);
    }

    /** Sorts by the origin in the high word: two 16-bit LSD passes, stable. */
    private static long[] radixSortByOrigin(long[] words, int n) {
        long[] a = words;
        long[] b = new long[n];
        for (int shift = 32; shift < 64; shift += 16) {
            int[] count = new int[65537];
            for (int i = 0; i < n; i++) {
                count[(int) ((a[i] >>> shift) & 0xFFFF) + 1]++;
            }
            for (int i = 0; i < 65536; i++) {
                count[i + 1] += count[i];
            }
            for (int i = 0; i < n; i++) {
                b[count[(int) ((a[i] >>> shift) & 0xFFFF)]++] = a[i];
            }
            long[] t = a;
            a = b;
            b = t;
        }
        return a;
    }
}
