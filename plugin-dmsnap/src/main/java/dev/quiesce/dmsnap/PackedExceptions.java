package dev.quiesce.dmsnap;

/**
 * An immutable run of exceptions in origin order, each held in only as many bits as the
 * run needs: the origin chunk as an offset from the run's first origin, the data chunk as
 * an offset from the run's smallest data chunk, packed side by side into {@code long}s.
 *
 * <p>A run of 32768 exceptions spread over a 4 TiB origin with 4 KiB chunks and a store
 * of a million chunks needs about 30 + 20 bits a entry, 6.3 bytes instead of the 8 of a
 * plain exception word; the widest possible entry (31-bit origin offset, 32-bit data
 * offset) is 63 bits, so a run never costs more than 8 bytes an entry plus its fixed
 * header. This is memory layout only: nothing here is written to the store.
 */
final class PackedExceptions {
    private final int firstOrigin;
    private final int lastOrigin;
    private final long dataBase;
    private final int dataBits;
    private final int width;
    private final long mask;
    private final int size;
    /** One spare word at the end, so an entry that would straddle it reads without a bounds branch. */
    private final long[] bits;

    private PackedExceptions(int firstOrigin, int lastOrigin, long dataBase, int dataBits, int width, int size,
                             long[] bits) {
        this.firstOrigin = firstOrigin;
        this.lastOrigin = lastOrigin;
        this.dataBase = dataBase;
        this.dataBits = dataBits;
        this.width = width;
        this.mask = width == 0 ? 0 : -1L >>> (64 - width);
        this.size = size;
        this.bits = bits;
    }

    /** Packs {@code words[from, to)}, exception words sorted by origin with no origin twice; at least one. */
    static PackedExceptions pack(long[] words, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            throw new IllegalArgumentException("a run needs at least one exception");
        }
        int first = StoreCodec.originOf(words[from]);
        int last = StoreCodec.originOf(words[to - 1]);
        long minData = Long.MAX_VALUE;
        long maxData = 0;
        for (int i = from; i < to; i++) {
            long d = StoreCodec.dataChunkOf(words[i]);
            minData = Math.min(minData, d);
            maxData = Math.max(maxData, d);
        }
        int originBits = bitsFor(last - first);
        int dataBits = bitsFor(maxData - minData);
        int width = originBits + dataBits;
        long[] bits = new long[(int) (((long) n * width + 63) >>> 6) + 1];
        long position = 0;
        for (int i = from; i < to; i++) {
            long entry = ((long) (StoreCodec.originOf(words[i]) - first) << dataBits)
                    | (StoreCodec.dataChunkOf(words[i]) - minData);
            int word = (int) (position >>> 6);
            int shift = (int) (position & 63);
            bits[word] |= entry << shift;
            if (shift + width > 64) {
                bits[word + 1] |= entry >>> (64 - shift);
            }
            position += width;
        }
        return new PackedExceptions(first, last, minData, dataBits, width, n, bits);
    }

    private static int bitsFor(long span) {
        return 64 - Long.numberOfLeadingZeros(span);
    }

    int size() {
        return size;
    }

    int firstOrigin() {
        return firstOrigin;
    }

    int lastOrigin() {
        return lastOrigin;
    }

    private long entryAt(int i) {
        long position = (long) i * width;
        int word = (int) (position >>> 6);
        int shift = (int) (position & 63);
        long v = bits[word] >>> shift;
        if (shift + width > 64) {
            v |= bits[word + 1] << (64 - shift);
        }
        return v & mask;
    }

    int originAt(int i) {
        return firstOrigin + (int) (entryAt(i) >>> dataBits);
    }

    /** The exception word ({@link StoreCodec#exception}) of entry {@code i}. */
    long wordAt(int i) {
        long e = entryAt(i);
        return StoreCodec.exception(firstOrigin + (e >>> dataBits), dataBase + (e & ((1L << dataBits) - 1)));
    }

    /** Writes every exception word, in origin order, to {@code out} from {@code at}; one sequential pass. */
    void unpackInto(long[] out, int at) {
        long dataMask = (1L << dataBits) - 1;
        long position = 0;
        for (int i = 0; i < size; i++) {
            int word = (int) (position >>> 6);
            int shift = (int) (position & 63);
            long v = bits[word] >>> shift;
            if (shift + width > 64) {
                v |= bits[word + 1] << (64 - shift);
            }
            v &= mask;
            out[at + i] = StoreCodec.exception(firstOrigin + (v >>> dataBits), dataBase + (v & dataMask));
            position += width;
        }
    }

    /**
     * The index of {@code originChunk}, or -1. Interpolation first (copied chunks are
     * spread over the origin, so a guess from the key lands close in a step or two), then
     * binary search in what is left, which bounds the worst case at O(log n).
     */
    int indexOf(int originChunk) {
        if (originChunk < firstOrigin || originChunk > lastOrigin) {
            return -1;
        }
        int lo = 0;
        int hi = size - 1;
        for (int step = 0; step < 3 && lo <= hi; step++) {
            int loKey = originAt(lo);
            int hiKey = originAt(hi);
            if (originChunk < loKey || originChunk > hiKey) {
                return -1;
            }
            if (loKey == hiKey) {
                return lo;
            }
            int guess = lo + (int) ((long) (originChunk - loKey) * (hi - lo) / (hiKey - loKey));
            int o = originAt(guess);
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
            int o = originAt(mid);
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

    /** Heap held: this object (header and fields) and its word array. */
    long heapBytes() {
        return 48 + 16 + 8L * bits.length;
    }
}
