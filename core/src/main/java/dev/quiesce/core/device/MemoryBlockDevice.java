package dev.quiesce.core.device;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A block device in the heap. Blocks are allocated on first write, so a large, mostly
 * empty device costs little; unwritten blocks read as zeros (SPEC.md D4). Everything is
 * durable at once, so {@link #flush()} does nothing.
 */
public final class MemoryBlockDevice implements BlockDevice {
    private final String name;
    private final int blockSize;
    private final long blockCount;
    private final AtomicReferenceArray<byte[]> blocks;

    public MemoryBlockDevice(String name, int blockSize, long blockCount) {
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException(name + ": block size must be a power of two >= 512, was " + blockSize);
        }
        if (blockCount < 0 || blockCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": block count must be 0.." + Integer.MAX_VALUE + ", was " + blockCount);
        }
        this.name = name;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.blocks = new AtomicReferenceArray<>((int) blockCount);
    }

    public MemoryBlockDevice(int blockSize, long blockCount) {
        this("memory", blockSize, blockCount);
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return blockCount; }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return name; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        int n = BlockDevice.checkTransfer(this, block, dst);
        for (int i = 0; i < n; i++) {
            byte[] data = blocks.get((int) block + i);
            if (data == null) {
                int end = dst.position() + blockSize;
                while (dst.position() < end) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(data);
            }
        }
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        int n = BlockDevice.checkTransfer(this, block, src);
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[blockSize];
            src.get(data);
            blocks.set((int) block + i, data);
        }
    }

    @Override
    public void flush() {
        // Heap writes are as durable as they will ever be.
    }

    @Override
    public void close() {
        // Nothing to release; the blocks go with the object.
    }

    /** A copy of the whole device, for comparing images in tests. */
    public byte[] toByteArray() {
        byte[] all = new byte[Math.toIntExact(blockCount * blockSize)];
        for (int i = 0; i < blockCount; i++) {
            byte[] data = blocks.get(i);
            if (data != null) {
                System.arraycopy(data, 0, all, i * blockSize, blockSize);
            }
        }
        return all;
    }

}
