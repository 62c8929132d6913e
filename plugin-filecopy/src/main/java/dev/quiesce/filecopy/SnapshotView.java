package dev.quiesce.filecopy;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.ReadOnlyDeviceException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read-only device a snapshot opens as (SPEC.md S3, D5): an image cut short while it
 * is open fails the read with {@link InvalidSnapshotException} (S13) instead of a bare
 * end-of-file, and the buffer is left as it was.
 */
final class SnapshotView implements BlockDevice {
    private final String snapshot;
    private final BlockDevice image;

    SnapshotView(String snapshot, BlockDevice image) {
        this.snapshot = snapshot;
        this.image = image;
    }

    @Override public int blockSize() { return image.blockSize(); }
    @Override public long blockCount() { return image.blockCount(); }
    @Override public boolean isReadOnly() { return true; }
    @Override public String name() { return "snapshot '" + snapshot + "' (" + image.name() + ")"; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        int position = dst.position();
        try {
            image.read(block, dst);
        } catch (EOFException e) {
            dst.position(position);
            InvalidSnapshotException invalid = new InvalidSnapshotException(snapshot,
                    "its image " + image.name() + " was cut short (block " + block + " is gone)");
            invalid.initCause(e);
            throw invalid;
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
    public void close() throws IOException {
        image.close();
    }
}
