package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
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
        read(engine, snapshot, block, dst);
    }

    /** S1, S2, S13: from the first interval at or after the snapshot's that holds the chunk, else the origin. */
    private static void read(CowEngine engine, SnapshotRecord s, long block, ByteBuffer dst) throws IOException {
        engine.lock.readLock().lock();
        try {
            engine.checkOpen();
            if (s.deleted) {
                throw new InvalidSnapshotException(s.name, "it was deleted");
            }
            if (s.invalidReason != null) {
                throw new InvalidSnapshotException(s.name, s.invalidReason);
            }
            int j = engine.indexOf(s);
            int cb = engine.geometry.chunkBytes();
            long offset = block * engine.geometry.originBlockSize();
            byte[] chunk = new byte[cb];
            while (dst.hasRemaining()) {
                int c = (int) (offset / cb);
                int within = (int) (offset % cb);
                int len = Math.min(dst.remaining(), engine.geometry.originChunkBytes(c) - within);
                if (!s.inUse(offset, len)) {
                    dst.put(new byte[len]);
                } else {
                    int start = dst.position();
                    long n = engine.findFrom(j, c);
                    if (n >= 0) {
                        engine.readDataChunk(n, chunk);
                        dst.put(chunk, within, len);
                    } else {
                        ByteBuffer part = dst.slice();
                        part.limit(len);
                        engine.origin().read(offset / engine.geometry.originBlockSize(), part);
                        engine.overlayPending(offset, len, dst, start);
                        dst.position(start + len);
                    }
                    zeroUnused(s, offset, len, dst, start);
                }
                offset += len;
            }
        } finally {
            engine.lock.readLock().unlock();
        }
    }

    /** S1: blocks the usage bitmap marks free read as zeros, even inside a copied chunk. */
    private static void zeroUnused(SnapshotRecord s, long offset, int len, ByteBuffer dst, int start) {
        if (s.usage == null) {
            return;
        }
        long ubs = s.usage.blockSize();
        long end = offset + len;
        for (long ub = offset / ubs; ub * ubs < end; ub++) {
            if (!s.usage.inUse(ub)) {
                long from = Math.max(offset, ub * ubs);
                long to = Math.min(end, (ub + 1) * ubs);
                for (long p = from; p < to; p++) {
                    dst.put(start + (int) (p - offset), (byte) 0);
                }
            }
        }
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
