package dev.quiesce.dmsnap;

/**
 * Which data chunks of the store are in use: one bit per chunk, rebuilt from the slot
 * table and the catalog when a store is opened, never stored itself.
 */
final class ChunkAllocator {
    private final long chunks;
    private final long[] bits;
    private long used;
    private long cursor;

    ChunkAllocator(long chunks) {
        this.chunks = chunks;
        this.bits = new long[(int) ((chunks + 63) >>> 6)];
    }

    long capacity() { return chunks; }

    long used() { return used; }

    long free() { return chunks - used; }

    boolean isUsed(long chunk) {
        return (bits[(int) (chunk >>> 6)] & (1L << chunk)) != 0;
    }

    void markUsed(long chunk) {
        if (isUsed(chunk)) {
            throw new IllegalStateException("data chunk " + chunk + " is already in use");
        }
        bits[(int) (chunk >>> 6)] |= 1L << chunk;
        used++;
    }

    void release(long chunk) {
        if (!isUsed(chunk)) {
            throw new IllegalStateException("data chunk " + chunk + " is not in use");
        }
        bits[(int) (chunk >>> 6)] &= ~(1L << chunk);
        used--;
    }

    /** Takes a free chunk, scanning on from the last one taken so that copies stay sequential; -1 if full. */
    long allocate() {
        if (used == chunks) {
            return -1;
        }
        long c = nextFree(cursor);
        if (c < 0) {
            c = nextFree(0);
        }
        markUsed(c);
        cursor = c + 1 == chunks ? 0 : c + 1;
        return c;
    }

    /** Takes {@code n} consecutive free chunks and returns the first; -1 if there is no such run. */
    long allocateRun(int n) {
        long start = nextFree(0);
        while (start >= 0 && start + n <= chunks) {
            long end = start;
            while (end < start + n && !isUsed(end)) {
                end++;
            }
            if (end == start + n) {
                for (long c = start; c < end; c++) {
                    markUsed(c);
                }
                return start;
            }
            start = nextFree(end);
        }
        return -1;
    }

    private long nextFree(long from) {
        if (from >= chunks) {
            return -1;
        }
        int i = (int) (from >>> 6);
        long w = ~bits[i] & (-1L << from);
        while (true) {
            if (w != 0) {
                long c = ((long) i << 6) + Long.numberOfTrailingZeros(w);
                return c < chunks ? c : -1;
            }
            if (++i == bits.length) {
                return -1;
            }
            w = ~bits[i];
        }
    }
}
