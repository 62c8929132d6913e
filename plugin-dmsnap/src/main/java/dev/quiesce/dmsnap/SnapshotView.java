package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.ReadOnlyDeviceException;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The read-only device of one snapshot (S1-S3, S13): chunks from the store where copied, else the origin. */
final class SnapshotView implements BlockDevice {
    private final CowEngine engine;
    private final SnapshotRecord snapshot;
    private volatile boolean closed;

    SnapshotView(CowEngine engine, SnapshotRecord snapshot) {
        this.engine = engine;
        this.snapshot = snapshot;
    }

    @Override public int blockSize() { return engine.geometry.originBlockSize(); }
    @Override public long blockCount() { return engine.geometry.originBytes() / blockSize(); }
    @Override public boolean isReadOnly() { return true; }
    @Override public String name() { return "dmsnap snapshot '" + snapshot.name + "'"; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        if (closed) {
            throw new IOException(name() + " is closed");
        }
        engine.snapshotRead(snapshot, block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        throw new ReadOnlyDeviceException(name(), block);
    }

    @Override
    public void flush() {
        // Nothing is ever written through a snapshot view.
    }

    @Override
    public void close() {
        closed = true;
    }
}
