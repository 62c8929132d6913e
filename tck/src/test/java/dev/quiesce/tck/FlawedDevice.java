package dev.quiesce.tck;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A pass-through device with one injectable bug per D rule, for the self-test. */
final class FlawedDevice implements BlockDevice {

    enum Flaw {
        NONE,
        /** The block size doubles after the first flush. */
        D1_SIZE_CHANGES_AFTER_FLUSH,
        /** Whole blocks of a bad transfer are written before it is refused. */
        D2_WRITES_BEFORE_CHECKING,
        /** flush() is dropped. */
        D3_FLUSH_DROPPED,
        /** Reads are served from a cache of the first write to each block. */
        D4_STALE_READ_CACHE,
        /** The read-only view lets writes through. */
        D5_VIEW_PASSES_WRITES,
        /** Writes stage data in one shared scratch buffer. */
        D6_SHARED_SCRATCH
    }

    private final BlockDevice inner;
    private final Flaw flaw;
    private final Map<Long, byte[]> cache = new ConcurrentHashMap<>();
    private volatile boolean flushed;
    private byte[] scratch;

    FlawedDevice(BlockDevice inner, Flaw flaw) {
        this.inner = inner;
        this.flaw = flaw;
    }

    @Override
    public int blockSize() {
        return flaw == Flaw.D1_SIZE_CHANGES_AFTER_FLUSH && flushed ? inner.blockSize() * 2 : inner.blockSize();
    }

    @Override public long blockCount() { return inner.blockCount(); }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return inner.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        byte[] cached = flaw == Flaw.D4_STALE_READ_CACHE && dst.remaining() == inner.blockSize() ? cache.get(block) : null;
        if (cached != null) {
            dst.put(cached);
        } else {
            inner.read(block, dst);
        }
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        int size = inner.blockSize();
        if (flaw == Flaw.D2_WRITES_BEFORE_CHECKING) {
            while (src.remaining() >= size && block < inner.blockCount()) {
                ByteBuffer one = src.slice();
                one.limit(size);
                inner.write(block++, one);
                src.position(src.position() + size);
            }
        }
        if (flaw == Flaw.D6_SHARED_SCRATCH) {
            BlockDevice.checkTransfer(this, block, src);
            scratch = new byte[src.remaining()];
            byte[] mine = scratch;
            src.get(mine);
            Thread.yield();
            inner.write(block, ByteBuffer.wrap(scratch.length == mine.length ? scratch : mine));
            return;
        }
        ByteBuffer copy = src.duplicate();
        inner.write(block, src);
        if (flaw == Flaw.D4_STALE_READ_CACHE) {
            for (long b = block; copy.remaining() >= size; b++) {
                byte[] data = new byte[size];
                copy.get(data);
                cache.putIfAbsent(b, data);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        flushed = true;
        if (flaw != Flaw.D3_FLUSH_DROPPED) {
            inner.flush();
        }
    }

    @Override
    public BlockDevice readOnlyView() {
        if (flaw != Flaw.D5_VIEW_PASSES_WRITES) {
            return BlockDevice.super.readOnlyView();
        }
        FlawedDevice self = this;
        return new BlockDevice() {
            @Override public int blockSize() { return self.blockSize(); }
            @Override public long blockCount() { return self.blockCount(); }
            @Override public void read(long block, ByteBuffer dst) throws IOException { self.read(block, dst); }
            @Override public void write(long block, ByteBuffer src) throws IOException { self.write(block, src); }
            @Override public void flush() { }
            @Override public boolean isReadOnly() { return true; }
            @Override public void close() { }
        };
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
