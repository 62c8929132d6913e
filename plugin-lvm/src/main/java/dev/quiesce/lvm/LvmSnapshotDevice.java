package dev.quiesce.lvm;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.ReadOnlyDeviceException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only {@link BlockDevice} over a snapshot volume's device node, read with
 * O_DIRECT: every read goes to device-mapper, so a snapshot that became invalid fails
 * with the kernel's EIO, which this class turns into {@link InvalidSnapshotException}
 * once LVM confirms the snapshot is invalid (S3, S13). Reads are staged through one
 * aligned direct buffer per call, as O_DIRECT requires.
 */
final class LvmSnapshotDevice implements BlockDevice {
    /** Asks LVM whether the snapshot is invalid now. */
    interface Validity {
        boolean invalid() throws IOException;
    }

    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final String snapshot;
    private final FileChannel channel;
    private final int blockSize;
    private final long blockCount;
    private final Validity validity;
    private volatile boolean invalid;

    private LvmSnapshotDevice(Path path, String snapshot, FileChannel channel, int blockSize, long blockCount,
                              Validity validity) {
        this.path = path;
        this.snapshot = snapshot;
        this.channel = channel;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.validity = validity;
    }

    static LvmSnapshotDevice open(Path path, String snapshot, long sizeBytes, Validity validity) throws IOException {
        int blockSize = sizeBytes % 4096 == 0 ? 4096 : 512;
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ,
                com.sun.nio.file.ExtendedOpenOption.DIRECT);
        return new LvmSnapshotDevice(path, snapshot, channel, blockSize, sizeBytes / blockSize, validity);
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return blockCount; }
    @Override public boolean isReadOnly() { return true; }
    @Override public String name() { return path + " (snapshot '" + snapshot + "')"; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        if (invalid) {
            throw new InvalidSnapshotException(snapshot, "LVM reported it invalid (its copy-on-write store overflowed)");
        }
        ByteBuffer staging = ByteBuffer.allocateDirect(Math.min(CHUNK, dst.remaining()) + blockSize)
                .alignedSlice(blockSize);
        long position = block * blockSize;
        try {
            while (dst.hasRemaining()) {
                staging.clear().limit(Math.min(staging.capacity(), dst.remaining()));
                while (staging.hasRemaining()) {
                    int n = channel.read(staging, position + staging.position());
                    if (n < 0) {
                        throw new EOFException(name() + ": end of device at byte " + (position + staging.position()));
                    }
                }
                staging.flip();
                position += staging.remaining();
                dst.put(staging);
            }
        } catch (IOException e) {
            if (validity.invalid()) {
                invalid = true;
                InvalidSnapshotException typed = new InvalidSnapshotException(snapshot,
                        "the kernel failed the read and LVM reports the snapshot invalid (store overflowed)");
                typed.initCause(e);
                throw typed;
            }
            throw e;
        }
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        throw new ReadOnlyDeviceException(name(), block);
    }

    @Override
    public void flush() {
        // Read-only: nothing can have been written.
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
