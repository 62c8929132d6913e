package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device seen in blocks of {@code factor} consecutive device blocks: how a volume
 * formatted with a block size larger than its device's is read and written. Filesystem
 * block {@code b} is device blocks {@code b * factor} to {@code b * factor + factor - 1};
 * a transfer goes through as one device transfer. Closing it does not close the device
 * (the caller owns that).
 */
final class GroupedBlockDevice implements BlockDevice {
    private final BlockDevice device;
    private final int factor;
    private final int blockSize;

    GroupedBlockDevice(BlockDevice device, int blockSize) {
        if (blockSize % device.blockSize() != 0 || blockSize < device.blockSize()) {
            throw new IllegalArgumentException(device.name() + ": a block of " + blockSize
                    + " bytes is not a whole number of the device's " + device.blockSize() + "-byte blocks");
        }
        this.device = device;
        this.blockSize = blockSize;
        this.factor = blockSize / device.blockSize();
    }

    /** {@code device} itself when its blocks are {@code blockSize}, else a grouped view of it. */
    static BlockDevice of(BlockDevice device, int blockSize) {
        return blockSize == device.blockSize() ? device : new GroupedBlockDevice(device, blockSize);
    }

    /**
     * The view a volume on {@code device} needs: the device itself unless a superblock
     * copy says the volume's block is a larger power of two. Copy A starts at byte 0,
     * copy B at byte {@code blockSize}; either one naming its own size is enough (the full
     * check happens when the superblock is decoded through the view).
     */
    static BlockDevice forVolume(BlockDevice device) throws IOException {
        int own = device.blockSize();
        if (device.blockCount() < 1) {
            return device;
        }
        ByteBuffer head = ByteBuffer.allocate(own);
        device.read(0, head);
        int size = head.getInt(0) == DiskFormat.MAGIC_SUPER ? head.getInt(28) : 0;
        if (plausible(size, own, device)) {
            return of(device, size);
        }
        for (int candidate = Math.max(own, FormatOptions.MIN_BLOCK_SIZE) * 2;
             candidate <= FormatOptions.MAX_BLOCK_SIZE; candidate *= 2) {
            long at = candidate / own;
            if (at >= device.blockCount()) {
                break;
            }
            ByteBuffer b = ByteBuffer.allocate(own);
            device.read(at, b);
            if (b.getInt(0) == DiskFormat.MAGIC_SUPER && b.getInt(28) == candidate) {
                return of(device, candidate);
            }
        }
        return device;
    }

    private static boolean plausible(int size, int own, BlockDevice device) {
        return size > own && size <= FormatOptions.MAX_BLOCK_SIZE && Integer.bitCount(size) == 1
                && size % own == 0 && device.blockCount() / (size / own) >= Dusk.MIN_BLOCKS;
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return device.blockCount() / factor; }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }
    @Override public String name() { return device.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        device.read(block * factor, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        device.write(block * factor, src);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public BlockDevice readOnlyView() {
        return device.isReadOnly() ? this : new GroupedBlockDevice(device.readOnlyView(), blockSize);
    }

    @Override
    public void close() {
        // The underlying device belongs to the caller.
    }
}
