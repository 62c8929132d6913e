package dev.quiesce.fs;

/**
 * How to format a Dusk volume. Immutable; start from {@link #defaults()}.
 *
 * @param blockSize the filesystem block size in bytes: a power of two from 512 B to
 *                  64 KiB and a multiple of the device's block size, or 0 for the
 *                  device's own block size (what {@link Dusk#format(dev.quiesce.spi.BlockDevice)}
 *                  uses). A larger block than the device's groups whole device blocks;
 *                  mount finds the size in the superblock.
 */
public record FormatOptions(int blockSize) {
    /** The smallest filesystem block size. */
    public static final int MIN_BLOCK_SIZE = 512;
    /** The largest filesystem block size. */
    public static final int MAX_BLOCK_SIZE = 64 * 1024;
    /** The block size {@link #standard()} asks for. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;

    public FormatOptions {
        if (blockSize != 0 && (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE
                || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException("block size must be a power of two from " + MIN_BLOCK_SIZE + " to "
                    + MAX_BLOCK_SIZE + " bytes (or 0 for the device's), was " + blockSize);
        }
    }

    /** The device's own block size. */
    public static FormatOptions defaults() {
        return new FormatOptions(0);
    }

    /** 4 KiB blocks (on a device whose blocks are 4 KiB or smaller). */
    public static FormatOptions standard() {
        return new FormatOptions(DEFAULT_BLOCK_SIZE);
    }

    public FormatOptions withBlockSize(int bytes) {
        return new FormatOptions(bytes);
    }
}
