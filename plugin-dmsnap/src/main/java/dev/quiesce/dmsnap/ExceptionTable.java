package dev.quiesce.dmsnap;

import java.util.Arrays;

/**
 * The exceptions of one interval between cuts: origin chunk to data chunk, with no object
 * per exception.
 *
 * <p>Most entries live in sorted runs ({@link PackedExceptions}) of up to 32768, in origin
 * order, found by binary search over the runs and then within one; each entry takes only
 * the bits its run needs, at most 63. Runs rather than one array, because a collector
 * with regions (G1) rounds a huge array up to whole regions, which would add bytes per
 * exception.
 * New entries go to {@code recent}, a small open-addressing hash of exception words whose
 * capacity follows the square root of the table, so it adds O(sqrt n) bytes, not O(n);
 * when it is half full it is folded into the runs by one merge pass, which costs
 * O(sqrt n) amortised per insert. Reopening a store builds the runs straight from the
 * slot table (see {@link #fromUnsorted}).
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class ExceptionTable {
    private static final long EMPTY = StoreCodec.NO_EXCEPTION;
    private static final int MIN_RECENT = 64;
    private static final int RUN = 1 << 15;
    private static final PackedExceptions[] NO_RUNS = new PackedExceptions[0];

    private PackedExceptions[] runs;
    /** The first origin of each run, to find the run that may hold a chunk. */
    private int[] runFirst;
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
        RunBuilder b = new RunBuilder(n);
        for (int i = 0; i < n; i += RUN) {
            b.addRun(words, i, Math.min(n, i + RUN));
        }
        b.install();
        recent = newRecent(n);
        recentCount = 0;
    }

    private long[] sortedArray() {
        long[] out = new long[sortedSize];
        int at = 0;
        for (PackedExceptions run : runs) {
            run.unpackInto(out, at);
            at += run.size();
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
        int r = runHolding(originChunk);
        if (r < 0) {
            return -1;
        }
        int i = runs[r].indexOf(originChunk);
        return i >= 0 ? StoreCodec.dataChunkOf(runs[r].wordAt(i)) : -1;
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
        long bytes = 16L + 4L * runs.length + 16L + 8L * runs.length + 16L + 8L * recent.length + 32;
        for (PackedExceptions run : runs) {
            bytes += run.heapBytes();
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
        for (PackedExceptions run : runs) {
            for (int i = 0; i < run.size(); i++) {
                action.accept(run.wordAt(i));
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
        java.util.Arrays.sort(add);
        // Merge run by run into new runs: one pass over the table, no whole-table temporary.
        int total = sortedSize + n;
        RunBuilder out = new RunBuilder(total);
        long[] unpacked = new long[RUN];
        int j = 0;
        for (PackedExceptions run : runs) {
            run.unpackInto(unpacked, 0);
            for (int k = 0; k < run.size(); k++) {
                while (j < n && add[j] < unpacked[k]) {
                    out.add(add[j++]);
                }
                out.add(unpacked[k]);
            }
        }
        while (j < n) {
            out.add(add[j++]);
        }
        out.install();
        long[] r = newRecentLength(total) == recent.length ? recent : new long[newRecentLength(total)];
        Arrays.fill(r, EMPTY);
        recent = r;
        recentCount = 0;
    }

    /** The run whose origins may include {@code originChunk}, or -1. */
    private int runHolding(int originChunk) {
        int lo = 0;
        int hi = runFirst.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (runFirst[mid] <= originChunk) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Collects exception words in origin order into runs of {@link #RUN}, then installs them. */
    private final class RunBuilder {
        private final PackedExceptions[] built;
        private int count;
        private long[] pending;
        private int pendingSize;
        private int total;

        RunBuilder(int expected) {
            built = expected == 0 ? NO_RUNS : new PackedExceptions[(expected + RUN - 1) / RUN];
        }

        void add(long word) {
            if (pending == null) {
                pending = new long[RUN];
            }
            pending[pendingSize++] = word;
            if (pendingSize == RUN) {
                addRun(pending, 0, RUN);
                pendingSize = 0;
            }
        }

        void addRun(long[] words, int from, int to) {
            built[count++] = PackedExceptions.pack(words, from, to);
            total += to - from;
        }

        void install() {
            if (pendingSize > 0) {
                addRun(pending, 0, pendingSize);
                pendingSize = 0;
            }
            int[] first = new int[count];
            for (int i = 0; i < count; i++) {
                first[i] = built[i].firstOrigin();
            }
            runs = count == built.length ? built : Arrays.copyOf(built, count);
            runFirst = first;
            sortedSize = total;
        }
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
