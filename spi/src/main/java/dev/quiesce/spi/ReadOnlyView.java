package dev.quiesce.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The default read-only view: reads pass through, writes are refused (D5). */
final class ReadOnlyView implements BlockDevice {
    private final BlockDevice target;
    private final boolean closesTarget;

    ReadOnlyView(BlockDevice target) {
        this(target, false);
    }

    private ReadOnlyView(BlockDevice target, boolean closesTarget) {
        this.target = target;
        this.closesTarget = closesTarget;
    }

    static BlockDevice unclosable(BlockDevice readOnly) {
        return new ReadOnlyView(readOnly, false);
    }

    @Override public int blockSize() { return target.blockSize(); }
    @Override public long blockCount() { return target.blockCount(); }
    @Override public boolean isReadOnly() { return true; }
    @Override public String name() { return target.name() + " (read-only)"; }
    @Override public BlockDevice readOnlyView() { return this; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        target.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        throw new ReadOnlyDeviceException(name(), block);
    }

    @Override
    public void flush() {
        // Nothing can have been written through a read-only view.
    }

    @Override
    public void close() throws IOException {
        if (closesTarget) {
            target.close();
        }
    }
}
