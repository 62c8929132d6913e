package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/** A huge device that stores only the blocks written, for volumes beyond what a heap array holds. */
final class SparseBlockDevice implements BlockDevice {
    private final int blockSize;
    private final long blockCount;
    private final ConcurrentHashMap<Long, byte[]> blocks = new ConcurrentHashMap<>();

    SparseBlockDevice(int blockSize, long blockCount) {
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return blockCount; }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return "sparse"; }

    int written() {
        return blocks.size();
    }

    @Override
    public void read(long block, ByteBuffer dst) {
        int n = BlockDevice.checkTransfer(this, block, dst);
        for (int i = 0; i < n; i++) {
            byte[] b = blocks.get(block + i);
            dst.put(b == null ? new byte[blockSize] : b);
        }
    }

    @Override
    public void write(long block, ByteBuffer src) {
        int n = BlockDevice.checkTransfer(this, block, src);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[blockSize];
            src.get(b);
            blocks.put(block + i, b);
        }
    }

    @Override public void flush() { }
    @Override public void close() { }
}
