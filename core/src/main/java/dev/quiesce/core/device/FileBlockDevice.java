package dev.quiesce.core.device;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.ReadOnlyDeviceException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * A block device kept in a file or a device node, through a {@link FileChannel}.
 * {@link #flush()} is {@link FileChannel#force(boolean) force(false)}: the data and the
 * file size are durable when it returns (SPEC.md D3).
 *
 * <p>Safe for concurrent use (D6), including by threads that get interrupted: the JDK
 * answers an interrupt during a channel operation by closing the channel for every
 * thread, which would leave a filesystem on the device unable to commit. Here an
 * operation that finds the channel closed that way reopens the file and runs again (the
 * operations are positional, so running one twice writes the same bytes), and the
 * interrupted thread gets its interrupt status back afterwards. Only {@link #close()}
 * closes the device for good.
 */
public final class FileBlockDevice implements BlockDevice {
    private final Path path;
    /** How often one operation may find the channel closed by interrupts before giving up. */
    private static final int MAX_REOPENS = 100;
    private volatile FileChannel channel;
    private volatile boolean closed;
    private final int blockSize;
    private final long blockCount;
    private final boolean readOnly;

    private FileBlockDevice(Path path, FileChannel channel, int blockSize, long blockCount, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.readOnly = readOnly;
    }

    /**
     * Creates (or truncates) a sparse file of {@code blockCount} blocks. Fails with
     * {@link java.nio.file.FileAlreadyExistsException} if it exists and {@code replace} is false.
     */
    public static FileBlockDevice create(Path path, int blockSize, long blockCount, boolean replace) throws IOException {
        checkGeometry(path, blockSize, blockCount);
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                replace ? StandardOpenOption.CREATE : StandardOpenOption.CREATE_NEW);
        if (replace) {
            options.add(StandardOpenOption.TRUNCATE_EXISTING);
        }
        FileChannel channel = FileChannel.open(path, options);
        try {
            if (blockCount > 0) {
                channel.write(ByteBuffer.allocate(1), blockCount * blockSize - 1);
            }
            return new FileBlockDevice(path, channel, blockSize, blockCount, false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Opens an existing file or device node; its size must be a whole number of blocks.
     */
    public static FileBlockDevice open(Path path, int blockSize, boolean readOnly) throws IOException {
        checkGeometry(path, blockSize, 0);
        FileChannel channel = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = Files.isRegularFile(path) ? channel.size() : deviceSize(channel);
            if (size % blockSize != 0) {
                throw new IOException(path + ": size " + size + " is not a whole number of " + blockSize + "-byte blocks");
            }
            return new FileBlockDevice(path, channel, blockSize, size / blockSize, readOnly);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static long deviceSize(FileChannel channel) throws IOException {
        // Block device nodes report size 0 through size(); their end is found by seeking.
        long size = channel.size();
        if (size > 0) {
            return size;
        }
        return channel.position(0).position(Long.MAX_VALUE).size();
    }

    private static void checkGeometry(Path path, int blockSize, long blockCount) {
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException(path + ": block size must be a power of two >= 512, was " + blockSize);
        }
        if (blockCount < 0) {
            throw new IllegalArgumentException(path + ": block count must not be negative, was " + blockCount);
        }
    }

    public Path path() {
        return path;
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return blockCount; }
    @Override public boolean isReadOnly() { return readOnly; }
    @Override public String name() { return path.toString(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        long position = block * blockSize;
        while (dst.hasRemaining()) {
            long at = position;
            int n = io(ch -> ch.read(dst, at));
            if (n < 0) {
                throw new EOFException(path + ": unexpected end of file at byte " + position);
            }
            position += n;
        }
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        if (readOnly) {
            throw new ReadOnlyDeviceException(name(), block);
        }
        long position = block * blockSize;
        while (src.hasRemaining()) {
            long at = position;
            position += io(ch -> ch.write(src, at));
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            io(ch -> {
                ch.force(false);
                return 0;
            });
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
        }
        channel.close();
    }

    private interface ChannelOp {
        int run(FileChannel channel) throws IOException;
    }

    /** Runs {@code op}, reopening the file if an interrupt (this thread's or another's) closed the channel. */
    private int io(ChannelOp op) throws IOException {
        boolean interrupted = false;
        try {
            for (int attempt = 0; ; attempt++) {
                FileChannel ch = channel;
                try {
                    return op.run(ch);
                } catch (ClosedChannelException e) {
                    if (e instanceof ClosedByInterruptException) {
                        // Cleared for the retry, given back below.
                        interrupted |= Thread.interrupted();
                    }
                    if (closed || attempt == MAX_REOPENS) {
                        throw e;
                    }
                    reopen(ch, e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void reopen(FileChannel failed, ClosedChannelException cause) throws IOException {
        if (closed) {
            throw cause;
        }
        if (channel == failed) {
            channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + ", " + blockCount + " x " + blockSize + " B]";
    }
}
