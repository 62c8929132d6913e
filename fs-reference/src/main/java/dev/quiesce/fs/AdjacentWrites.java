package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The volume's device with small writes to adjacent blocks joined into one device write.
 * A small commit writes its data block, then its log block (the allocator puts it right
 * after the data), and a rollup writes several nodes and bitmap blocks side by side:
 * each was a system call of its own. Here a small write is copied into a pending run
 * while it continues the run; the run goes to the device as one write before anything
 * that could tell the difference - a write elsewhere, a read of any block of the run, a
 * flush, close, the end of a commit that does not flush ({@link #writeOut}). Large writes
 * (a writeback's slabs) go straight through, after the run.
 *
 * <p>So every rule of the device still holds as seen from above: a flush makes durable
 * every write completed before it (D3), a read returns the last write of each block (D4:
 * blocks still pending, or on their way to the device, are copied from memory over what
 * the device returns), and it is safe for concurrent use (D6). No reader ever waits for
 * device I/O here: the lock guarding the runs is held only to copy bytes, and the
 * device writes are ordered by a lock of their own - a write stuck in the device must
 * not stop the front end from reading (the kit's F5/F6 stall a commit's write and expect
 * other changes to go on). The crash model is unchanged: the device receives the same
 * writes in the same order relative to every flush, some of them merged.
 */
final class AdjacentWrites implements BlockDevice {
    /** Writes up to half this size are joined; a larger one passes straight through. */
    private static final int MAX_RUN_BYTES = 64 << 10;

    private final BlockDevice device;
    private final int blockSize;
    /** Orders every write that reaches the device; held during device I/O. */
    private final ReentrantLock deviceWrites = new ReentrantLock();
    // Guarded by this: the run being joined, and the run on its way to the device.
    private ByteBuffer pending;
    private long pendingStart = -1;
    private ByteBuffer inflight;
    private long inflightStart = -1;
    private IOException failed;

    AdjacentWrites(BlockDevice device) {
        this.device = device;
        this.blockSize = device.blockSize();
        int bytes = Math.max(MAX_RUN_BYTES, blockSize);
        this.pending = ByteBuffer.allocateDirect(bytes);
        this.inflight = ByteBuffer.allocateDirect(bytes);
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }
    @Override public String name() { return device.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        int at = dst.position();
        int blocks = dst.remaining() / blockSize;
        byte[] overlay = null;
        boolean[] covered = null;
        synchronized (this) {
            // The run in flight first: the pending one is newer.
            for (int k = 0; k < 2; k++) {
                ByteBuffer run = k == 0 ? inflight : pending;
                long start = k == 0 ? inflightStart : pendingStart;
                if (start < 0) {
                    continue;
                }
                long end = start + run.position() / blockSize;
                for (long b = Math.max(block, start); b < Math.min(block + blocks, end); b++) {
                    if (overlay == null) {
                        overlay = new byte[blocks * blockSize];
                        covered = new boolean[blocks];
                    }
                    int i = (int) (b - block);
                    run.get((int) (b - start) * blockSize, overlay, i * blockSize, blockSize);
                    covered[i] = true;
                }
            }
        }
        device.read(block, dst);
        if (overlay != null) {
            for (int i = 0; i < blocks; i++) {
                if (covered[i]) {
                    dst.put(at + i * blockSize, overlay, i * blockSize, blockSize);
                }
            }
        }
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        int bytes = src.remaining();
        boolean small = bytes <= pending.capacity() / 2;
        while (true) {
            synchronized (this) {
                checkFailed();
                boolean continues = pendingStart >= 0 && block == pendingStart + pending.position() / blockSize
                        && bytes <= pending.remaining();
                if (continues || pendingStart < 0 && small) {
                    if (pendingStart < 0) {
                        pendingStart = block;
                    }
                    pending.put(src);
                    return;
                }
                if (pendingStart < 0) {
                    break;
                }
            }
            writeOut();
        }
        // Large data goes to blocks nobody reads before its commit, in order with the runs.
        deviceWrites.lock();
        try {
            writePending();
            device.write(block, src);
        } finally {
            deviceWrites.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        writeOut();
        device.flush();
    }

    /** Sends the pending run to the device now (also the end of a commit that does not flush). */
    void writeOut() throws IOException {
        deviceWrites.lock();
        try {
            writePending();
        } finally {
            deviceWrites.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        writeOut();
    }

    /** Moves the pending run in flight and writes it; the caller holds {@link #deviceWrites}. */
    private void writePending() throws IOException {
        ByteBuffer run;
        long start;
        synchronized (this) {
            checkFailed();
            if (pendingStart < 0) {
                return;
            }
            run = pending;
            start = pendingStart;
            pending = inflight;
            pendingStart = -1;
            inflight = run;
            inflightStart = start;
        }
        try {
            device.write(start, run.duplicate().flip());
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                failed = e instanceof IOException io ? io : new IOException(e);
            }
            throw e;
        } finally {
            synchronized (this) {
                inflight.clear();
                inflightStart = -1;
            }
        }
    }

    private void checkFailed() throws IOException {
        if (failed != null) {
            throw new IOException(device.name() + ": an earlier write failed; its data is not on the device", failed);
        }
    }
}
