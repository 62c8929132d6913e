package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the calls that reach a device, so tests can see what a write cost. */
final class CountingDevice implements BlockDevice {
    final BlockDevice target;
    final AtomicLong reads = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();

    CountingDevice(BlockDevice target) {
        this.target = target;
    }

    void reset() {
        reads.set(0);
        writes.set(0);
        flushes.set(0);
    }

    @Override public int blockSize() { return target.blockSize(); }
    @Override public long blockCount() { return target.blockCount(); }
    @Override public boolean isReadOnly() { return target.isReadOnly(); }
    @Override public String name() { return target.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        reads.incrementAndGet();
        target.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        writes.incrementAndGet();
        target.write(block, src);
    }

    @Override
    public void flush() throws IOException {
        flushes.incrementAndGet();
        target.flush();
    }

    @Override
    public void close() throws IOException {
        target.close();
    }
}
