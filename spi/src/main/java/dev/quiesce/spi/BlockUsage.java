package dev.quiesce.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable bitmap of the blocks of a device that were in use at a freeze (SPEC.md
 * F15, S1). Bit {@code b} set means block {@code b} holds data the frozen image needs;
 * a clear bit means the block's contents do not matter to it, so providers may skip it
 * and snapshots may read it back as zeros.
 */
public final class BlockUsage {
    private final int blockSize;
    private final long blockCount;
    private final long[] words;
    private final long used;

    private BlockUsage(int blockSize, long blockCount, long[] words) {
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.words = words;
        long count = 0;
        for (long w : words) {
            count += Long.bitCount(w);
        }
        this.used = count;
    }

    /**
     * A bitmap over {@code blockCount} blocks of {@code blockSize} bytes from packed
     * words (bit {@code b % 64} of word {@code b / 64}); the array is copied.
     */
    public static BlockUsage of(int blockSize, long blockCount, long[] words) {
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two >= 512, was " + blockSize);
        }
        if (blockCount < 0) {
            throw new IllegalArgumentException("block count must not be negative, was " + blockCount);
        }
        Objects.requireNonNull(words, "words");
        long needed = (blockCount + 63) / 64;
        if (words.length != needed) {
            throw new IllegalArgumentException("bitmap of " + blockCount + " blocks needs " + needed
                    + " words, got " + words.length);
        }
        long[] copy = words.clone();
        int tail = (int) (blockCount % 64);
        if (tail != 0 && (copy[copy.length - 1] >>> tail) != 0) {
            throw new IllegalArgumentException("bitmap marks blocks beyond block " + (blockCount - 1));
        }
        return new BlockUsage(blockSize, blockCount, copy);
    }

    /** Every block in use: what a caller without a real bitmap must assume. */
    public static BlockUsage allUsed(int blockSize, long blockCount) {
        long[] words = new long[(int) ((blockCount + 63) / 64)];
        Arrays.fill(words, -1L);
        int tail = (int) (blockCount % 64);
        if (tail != 0) {
            words[words.length - 1] = (1L << tail) - 1;
        }
        return of(blockSize, blockCount, words);
    }

    public int blockSize() { return blockSize; }
    public long blockCount() { return blockCount; }
    public long usedCount() { return used; }

    public boolean inUse(long block) {
        if (block < 0 || block >= blockCount) {
            throw new IllegalArgumentException("block " + block + " outside 0.." + (blockCount - 1));
        }
        return (words[(int) (block >>> 6)] & (1L << block)) != 0;
    }

    /** Whether any block in {@code [first, first + count)} is in use. */
    public boolean anyInUse(long first, long count) {
        long end = Math.min(blockCount, first + count);
        long next = nextInUse(first);
        return next >= 0 && next < end;
    }

    /** The first block at or after {@code from} in use, or -1. */
    public long nextInUse(long from) {
        if (from < 0) {
            from = 0;
        }
        if (from >= blockCount) {
            return -1;
        }
        int i = (int) (from >>> 6);
        long w = words[i] & (-1L << from);
        while (true) {
            if (w != 0) {
                long b = ((long) i << 6) + Long.numberOfTrailingZeros(w);
                return b < blockCount ? b : -1;
            }
            if (++i == words.length) {
                return -1;
            }
            w = words[i];
        }
    }

    /** A copy of the packed words, in the layout {@link #of} takes. */
    public long[] toWords() {
        return words.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockUsage u && u.blockSize == blockSize
                && u.blockCount == blockCount && Arrays.equals(u.words, words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words) * 31 + Long.hashCode(blockCount);
    }

    @Override
    public String toString() {
        return "BlockUsage[" + used + " of " + blockCount + " blocks of " + blockSize + " B in use]";
    }
}
