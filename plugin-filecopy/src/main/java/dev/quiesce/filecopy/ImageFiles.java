package dev.quiesce.filecopy;

import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

/** What the copying techniques share: source checks, space checks, partial files and their publication. */
final class ImageFiles {
    static final System.Logger LOG = System.getLogger(ImageFiles.class.getName());

    private ImageFiles() {
    }

    /**
     * Logs a cleanup problem from another thread: aborts and cuts may run on the thread
     * that holds a freeze, and the log may live on the frozen filesystem.
     */
    static void warnElsewhere(String message, Throwable cause) {
        ForkJoinPool.commonPool().execute(() -> LOG.log(System.Logger.Level.WARNING, message, cause));
    }

    /** Why {@code source} is no image file these techniques can copy, or empty. */
    static Optional<String> problem(SnapshotSource source, boolean needsFile) {
        if (source.path().isEmpty()) {
            return needsFile ? Optional.of("source '" + source.id() + "' has no file; this technique copies files")
                    : Optional.empty();
        }
        Path path = source.path().get();
        if (!Files.exists(path)) {
            return Optional.of(path + " does not exist");
        }
        if (!Files.isRegularFile(path)) {
            return Optional.of(path + " is not a regular file (a directory, device node or other special file)");
        }
        try {
            long size = Files.size(path);
            if (size != source.device().sizeBytes()) {
                return Optional.of(path + " has " + size + " bytes but its device " + source.device().name()
                        + " has " + source.device().sizeBytes());
            }
        } catch (IOException e) {
            return Optional.of("cannot read the size of " + path + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    static Path partial(SnapshotStore store, String name) throws SnapshotException {
        return store.file(name, SnapshotStore.PARTIAL_SUFFIX);
    }

    static void requireSpace(Path directory, String name, long needed) throws SnapshotException {
        try {
            long usable = Files.getFileStore(directory).getUsableSpace();
            if (usable < needed) {
                throw new NoSpaceException(FileCopyProviderFactory.NAME, name, "snapshot directory " + directory
                        + " has " + usable + " bytes free, the snapshot needs " + needed);
            }
        } catch (IOException e) {
            throw new SnapshotPathException(name, directory, "cannot read the free space of the snapshot directory", e);
        }
    }

    /** Creates the partial file a copy goes into; a directory that refuses it is a typed error. */
    static FileChannel createPartial(String name, Path partial) throws SnapshotException {
        try {
            return FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            throw new SnapshotPathException(name, partial, "cannot create a file in the snapshot directory: "
                    + e.getReason(), e);
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, name, "cannot create " + partial, e);
        }
    }

    /** A failed copy: out of space is {@link NoSpaceException}; the partial file is removed. */
    static SnapshotException copyFailure(String name, Path partial, IOException e) {
        SnapshotStore.deleteQuietly(partial, e);
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left") || message.contains("Disk quota exceeded")) {
            return new NoSpaceException(FileCopyProviderFactory.NAME, name, "snapshot directory ran out of space while "
                    + "writing " + partial, e);
        }
        return new SnapshotException(FileCopyProviderFactory.NAME, name, "copy into " + partial + " failed", e);
    }

    /** Moves the finished copy to its final name and makes the rename durable. */
    static void publish(Path partial, Path image) throws IOException {
        Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(image.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    static void deleteImage(SnapshotRecord record) throws SnapshotException {
        try {
            Files.deleteIfExists(record.image());
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, record.name(), "cannot delete image "
                    + record.image(), e);
        }
    }
}
