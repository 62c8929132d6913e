package dev.quiesce.dmsnap;

import java.util.Arrays;

/**
 * The exceptions of one interval between cuts: origin chunk to data chunk, with no object
 * per exception.
 *
 * <p>The table is a row of runs that split the origin between them: run {@code i} takes
 * the chunks from {@code runFirst[i]} up to the next run's first (run 0 also everything
 * below). Each run is a sorted, bit-packed {@link PackedExceptions} of up to
 * {@value #RUN_MAX} entries, each entry in only the bits that run needs (at most 63),
 * plus a small sorted buffer of plain exception words for the inserts since the run was
 * last packed. When a buffer holds {@value #BUFFER} words the run is packed again with
 * them, and split in two if it grew past {@value #RUN_MAX}: an insert costs
 * O({@value #RUN_MAX} / {@value #BUFFER}) work however large the table, and a lookup two
 * binary searches. Runs rather than one array also keep a collector with regions (G1)
 * from rounding one huge array up to whole regions.
 *
 * <p>Heap: the packed entries (typically 4-6 bytes, never over 63 bits), about 90 bytes
 * a run, and at most {@value #BUFFER} 8-byte words a run in buffers: a table built from
 * sorted words stays under 8 bytes an exception whatever the entries; inserts since the
 * last repack of their run add at most (16 + 8 * {@value #BUFFER}) / {@value #RUN} bytes
 * an exception, 0.52.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class ExceptionTable {
    /** Entries a run is built with when a table is made from sorted words. */
    private static final int RUN = 1024;
    /** A run that grows past this when its buffer is packed in is split. */
    private static final int RUN_MAX = 2 * RUN;
    private static final int BUFFER = 64;
    private static final long[] NO_WORDS = new long[0];

    private PackedExceptions[] runs;
    private long[][] buffers;
    private int[] buffered;
    private int[] runFirst;
    private int runCount;
    private int size;
    /** Room to merge one run with its buffer; made at the first repack, so tables only read never hold it. */
    private long[] scratch;

    private ExceptionTable(long[] sorted, int n) {
        setSorted(sorted, n);
    }

    private void setSorted(long[] words, int n) {
        int count = Math.max(1, (n + RUN - 1) / RUN);
        runs = new PackedExceptions[count];
        buffers = new long[count][];
        buffered = new int[count];
        runFirst = new int[count];
        runCount = 0;
        for (int i = 0; i < n; i += RUN) {
            PackedExceptions run = PackedExceptions.pack(words, i, Math.min(n, i + RUN));
            runFirst[runCount] = run.firstOrigin();
            runs[runCount++] = run;
        }
        if (runCount == 0) {
            runCount = 1;
        }
        runFirst[0] = 0;
        size = n;
    }

    static ExceptionTable empty() {
        return new ExceptionTable(NO_WORDS, 0);
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
        int r = runHolding(originChunk);
        int b = searchBuffer(r, originChunk);
        if (b >= 0) {
            return StoreCodec.dataChunkOf(buffers[r][b]);
        }
        PackedExceptions run = runs[r];
        int i = run == null ? -1 : run.indexOf(originChunk);
        return i >= 0 ? StoreCodec.dataChunkOf(run.wordAt(i)) : -1;
    }

    boolean contains(int originChunk) {
        return find(originChunk) >= 0;
    }

    /** Adds an exception for an origin chunk that has none in this table. */
    void put(int originChunk, long dataChunk) {
        int r = runHolding(originChunk);
        int b = searchBuffer(r, originChunk);
        if (b >= 0 || (runs[r] != null && runs[r].indexOf(originChunk) >= 0)) {
            throw new IllegalStateException("origin chunk " + originChunk + " already has an exception");
        }
        int at = -b - 1;
        long[] buffer = buffers[r];
        int n = buffered[r];
        if (buffer == null || n == buffer.length) {
            buffer = Arrays.copyOf(buffer == null ? NO_WORDS : buffer, Math.max(4, n * 2));
            buffers[r] = buffer;
        }
        System.arraycopy(buffer, at, buffer, at + 1, n - at);
        buffer[at] = StoreCodec.exception(originChunk, dataChunk);
        buffered[r] = n + 1;
        size++;
        if (n + 1 == BUFFER) {
            repack(r);
        }
    }

    int size() {
        return size;
    }

    /** Heap bytes held by the table's arrays and runs (the measure of "bytes per exception"). */
    long heapBytes() {
        long bytes = 48 + 4 * (16L + 8L * runs.length) + (scratch == null ? 0 : 16 + 8L * scratch.length);
        for (int r = 0; r < runCount; r++) {
            bytes += runs[r] == null ? 0 : runs[r].heapBytes();
            bytes += buffers[r] == null ? 0 : 16 + 8L * buffers[r].length;
        }
        return bytes;
    }

    /** Every exception word, in origin order. */
    long[] toSortedWords() {
        long[] out = new long[size];
        int k = 0;
        for (int r = 0; r < runCount; r++) {
            k = mergeRun(r, out, k);
        }
        return out;
    }

    /** Calls {@code action} with every exception word, in origin order. */
    void forEach(java.util.function.LongConsumer action) {
        long[] merged = new long[RUN_MAX + BUFFER];
        for (int r = 0; r < runCount; r++) {
            int n = mergeRun(r, merged, 0);
            for (int i = 0; i < n; i++) {
                action.accept(merged[i]);
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
        long[] a = toSortedWords();
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

    /** Writes run {@code r}'s packed entries and buffer, merged in origin order, to {@code out} from {@code at}; returns the end. */
    private int mergeRun(int r, long[] out, int at) {
        PackedExceptions run = runs[r];
        long[] buffer = buffers[r];
        int nb = buffered[r];
        int np = run == null ? 0 : run.size();
        if (nb == 0) {
            if (np > 0) {
                run.unpackInto(out, at);
            }
            return at + np;
        }
        // Unpack to the end of the room, then merge forward: the write index never passes the read index.
        int from = at + nb;
        if (np > 0) {
            run.unpackInto(out, from);
        }
        int i = from;
        int end = from + np;
        int j = 0;
        int k = at;
        while (j < nb) {
            if (i < end && out[i] < buffer[j]) {
                out[k++] = out[i++];
            } else {
                out[k++] = buffer[j++];
            }
        }
        return end;
    }

    /** Packs run {@code r}'s buffer into it, splitting the run if it grew too long. */
    private void repack(int r) {
        if (scratch == null) {
            scratch = new long[RUN_MAX + BUFFER];
        }
        long[] words = scratch;
        int n = mergeRun(r, words, 0);
        buffers[r] = null;
        buffered[r] = 0;
        if (n <= RUN_MAX) {
            runs[r] = PackedExceptions.pack(words, 0, n);
            return;
        }
        int half = n / 2;
        runs[r] = PackedExceptions.pack(words, 0, half);
        insertRun(r + 1, PackedExceptions.pack(words, half, n));
    }

    private void insertRun(int at, PackedExceptions run) {
        if (runCount == runs.length) {
            int grown = runs.length + Math.max(4, runs.length / 4);
            runs = Arrays.copyOf(runs, grown);
            buffers = Arrays.copyOf(buffers, grown);
            buffered = Arrays.copyOf(buffered, grown);
            runFirst = Arrays.copyOf(runFirst, grown);
        }
        int tail = runCount - at;
        System.arraycopy(runs, at, runs, at + 1, tail);
        System.arraycopy(buffers, at, buffers, at + 1, tail);
        System.arraycopy(buffered, at, buffered, at + 1, tail);
        System.arraycopy(runFirst, at, runFirst, at + 1, tail);
        runs[at] = run;
        buffers[at] = null;
        buffered[at] = 0;
        runFirst[at] = run.firstOrigin();
        runCount++;
    }

    /** The run that takes {@code originChunk}: the last whose first origin is not above it, or run 0. */
    private int runHolding(int originChunk) {
        int lo = 1;
        int hi = runCount - 1;
        int found = 0;
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

    /** Index of {@code originChunk} in run {@code r}'s buffer, or {@code -(insertion point) - 1}. */
    private int searchBuffer(int r, int originChunk) {
        long[] buffer = buffers[r];
        int lo = 0;
        int hi = buffered[r] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int o = StoreCodec.originOf(buffer[mid]);
            if (o < originChunk) {
                lo = mid + 1;
            } else if (o > originChunk) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
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
