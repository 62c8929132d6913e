package dev.quiesce.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device addressed in whole blocks: the one thing every filesystem, snapshot and
 * backup in Quiesce reads from and writes to.
 *
 * <p>Contract (SPEC.md, rules D1-D6):
 * <ul>
 *   <li>D1: {@link #blockSize()} is a power of two, at least 512, and never changes.</li>
 *   <li>D2: {@link #read} and {@link #write} transfer exactly {@code buffer.remaining()}
 *       bytes, which must be a whole number of blocks starting at {@code block}; a
 *       transfer past {@link #blockCount()} or of a partial block fails with
 *       {@link IllegalArgumentException} naming the device and the block, before any
 *       byte moves. The buffer's position advances by the bytes transferred.</li>
 *   <li>D3: {@link #flush()} is the durability barrier: every write that completed
 *       before {@code flush()} was called is durable when it returns. Nothing else is
 *       promised to be durable.</li>
 *   <li>D4: a read returns the last completed write to each block, or zeros for a block
 *       never written.</li>
 *   <li>D5: a read-only device (or view) refuses writes with
 *       {@link ReadOnlyDeviceException}; its {@code flush()} is a no-op.</li>
 *   <li>D6: implementations are safe for concurrent use by several threads; writes to
 *       different blocks do not interfere.</li>
 * </ul>
 */
public interface BlockDevice extends AutoCloseable {

    /** Bytes per block: a power of two, at least 512 (D1). */
    int blockSize();

    /** Number of blocks; the device holds {@code blockSize() * blockCount()} bytes. */
    long blockCount();

    /** Reads whole blocks starting at {@code block} into {@code dst} (D2, D4). */
    void read(long block, ByteBuffer dst) throws IOException;

    /** Writes whole blocks starting at {@code block} from {@code src} (D2). */
    void write(long block, ByteBuffer src) throws IOException;

    /** Makes every write completed before this call durable (D3). */
    void flush() throws IOException;

    /** Whether writes are refused (D5). */
    boolean isReadOnly();

    /** A human-readable name used in every error about this device, e.g. a path. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Capacity in bytes. */
    default long sizeBytes() {
        return (long) blockSize() * blockCount();
    }

    /**
     * A view of this device that refuses writes (D5). Closing the view does not close
     * this device.
     */
    default BlockDevice readOnlyView() {
        return isReadOnly() ? ReadOnlyView.unclosable(this) : new ReadOnlyView(this);
    }

    /** Releases the device. A {@link Freezable} device refuses while frozen (F13). */
    @Override
    void close() throws IOException;

    /**
     * Checks a transfer against D2 and returns the number of blocks it covers; shared by
     * every implementation so that all of them reject bad input with the same message.
     */
    static int checkTransfer(BlockDevice device, long block, ByteBuffer buffer) {
        int size = device.blockSize();
        int bytes = buffer.remaining();
        if (bytes % size != 0) {
            throw new IllegalArgumentException(device.name() + ": transfer of " + bytes
                    + " bytes at block " + block + " is not a whole number of "
                    + size + "-byte blocks");
        }
        int blocks = bytes / size;
        if (block < 0 || block > device.blockCount() - blocks) {
            throw new IllegalArgumentException(device.name() + ": blocks " + block + ".."
                    + (block + blocks - 1) + " are outside the device (0.."
                    + (device.blockCount() - 1) + ")");
        }
        return blocks;
    }
}
