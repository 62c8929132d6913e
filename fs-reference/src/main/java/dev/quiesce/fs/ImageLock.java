package dev.quiesce.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An advisory lock on an image file for as long as it is mounted (by the NIO provider, a
 * FUSE mount, or any other user of a Dusk image): exclusive for a
 * read-write mount, shared for a read-only one. Two read-write mounts of one image (the NIO
 * provider and a FUSE mount, two JVMs) would each commit over the other's blocks; the
 * second one fails here instead, naming the image. Released with {@link #close()} or by
 * the kernel when the process dies.
 *
 * <p>Java locks are POSIX record locks: within one JVM a second lock fails at once, but
 * the kernel drops the lock when the process closes any other descriptor of the image.
 * Callers check their own open mounts before touching the image again, so this holds
 * for other processes in the usual cases; it is a guard, not a guarantee.
 */
public final class ImageLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ImageLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code image}: shared when {@code readOnly}, else exclusive.
     *
     * @throws java.nio.file.FileSystemException naming the image if another mount holds it
     */
    public static ImageLock acquire(Path image, boolean readOnly) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(image, StandardOpenOption.READ)
                : FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, readOnly);
            if (l == null) {
                throw inUse(image);
            }
            return new ImageLock(ch, l);
        } catch (OverlappingFileLockException e) {
            FileSystemException busy = inUse(image);
            busy.initCause(e);
            ch.close();
            throw busy;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static FileSystemException inUse(Path image) {
        return new FileSystemException(image.toString(), null, "the image is mounted elsewhere (another process, or"
                + " this JVM); two mounts of one image would corrupt it");
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
