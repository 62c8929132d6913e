package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

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
 * every write completed before it (D3), a read returns the last write of each block (D4),
 * and it is safe for concurrent use (D6: one lock; only the committing thread writes, the
 * front end only reads). The crash model is unchanged: the device receives the same
 * writes in the same order relative to every flush, some of them merged.
 */
final class AdjacentWrites implements BlockDevice {
    /** Writes up to this size are joined; a larger one passes straight through. */
    private static final int MAX_RUN_BYTES = 64 << 10;

    private final BlockDevice device;
    private final int blockSize;
    private final ByteBuffer run;
    private long runStart = -1;
    private IOException failed;

    AdjacentWrites(BlockDevice device) {
        this.device = device;
        this.blockSize = device.blockSize();
        this.run = ByteBuffer.allocateDirect(Math.max(MAX_RUN_BYTES, blockSize));
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }
    @Override public String name() { return device.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        synchronized (this) {
            if (runStart >= 0) {
                long end = runStart + run.position() / blockSize;
                long blocks = dst.remaining() / blockSize;
                if (block < end && block + blocks > runStart) {
                    drain();
                }
            }
        }
        // Outside the lock: readers must not queue behind each other or a flush.
        device.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        synchronized (this) {
            checkFailed();
            int bytes = src.remaining();
            boolean continues = runStart >= 0 && block == runStart + run.position() / blockSize
                    && bytes <= run.remaining();
            if (continues || bytes <= run.capacity() / 2) {
                if (!continues) {
                    drain();
                    runStart = block;
                }
                run.put(src);
                return;
            }
            drain();
        }
        // Large data goes to blocks nobody reads before its commit: no need to hold the lock.
        device.write(block, src);
    }

    @Override
    public void flush() throws IOException {
        synchronized (this) {
            drain();
        }
        device.flush();
    }

    /** Sends the pending run to the device now (the end of a commit that does not flush). */
    synchronized void writeOut() throws IOException {
        drain();
    }

    @Override
    public synchronized void close() throws IOException {
        drain();
    }

    /** Sends the pending run to the device; a failure is kept and fails every later write and flush. */
    private void drain() throws IOException {
        checkFailed();
        if (runStart < 0) {
            return;
        }
        run.flip();
        try {
            device.write(runStart, run);
        } catch (IOException | RuntimeException e) {
            failed = e instanceof IOException io ? io : new IOException(e);
            throw e;
        } finally {
            run.clear();
            runStart = -1;
        }
    }

    private void checkFailed() throws IOException {
        if (failed != null) {
            throw new IOException(device.name() + ": an earlier write failed; its data is not on the device", failed);
        }
    }
}
