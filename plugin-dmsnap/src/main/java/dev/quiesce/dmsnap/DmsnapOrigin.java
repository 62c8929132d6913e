package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The device an integrator writes through so that snapshots stay exact: it wraps the real
 * device given to {@link DmsnapProvider#origin(BlockDevice)}. Reads pass through; the first
 * write to a chunk that a snapshot still needs copies the old chunk into the store first.
 * Mount the filesystem on this device, never on the real one while snapshots exist.
 * A write to a chunk that no snapshot needs any more (copied since the last cut, or free in
 * every snapshot's usage bitmap) goes straight to the real device without taking the
 * engine's lock; writes that need a copy are serialised by it.
 *
 * <p>Contract: D1-D6 of SPEC.md, with the real device's block size and count.
 * {@link #flush()} also commits the pending copy-on-write metadata (D3). Writes are held
 * in memory (at most 256 chunks or 4 MiB) until the exceptions protecting them are durable;
 * reads see them at once (D4). {@link #close()} flushes but leaves the real device open:
 * its owner closes it.
 */
public final class DmsnapOrigin implements BlockDevice {
    private final CowEngine engine;
    private final BlockDevice real;

    DmsnapOrigin(CowEngine engine, BlockDevice real) {
        this.engine = engine;
        this.real = real;
    }

    /** A snapshot source for this origin with the caller's stable {@code id} (S4, S5). */
    public SnapshotSource source(String id) {
        return SnapshotSource.of(id, this);
    }

    BlockDevice real() {
        return real;
    }

    @Override public int blockSize() { return real.blockSize(); }
    @Override public long blockCount() { return real.blockCount(); }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return real.name() + " (dmsnap origin)"; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        engine.originRead(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        engine.originWrite(block, src);
    }

    @Override
    public void flush() throws IOException {
        engine.flush();
    }

    @Override
    public void close() throws IOException {
        engine.flush();
    }

    @Override
    public String toString() {
        return "DmsnapOrigin[" + real.name() + "]";
    }
}
