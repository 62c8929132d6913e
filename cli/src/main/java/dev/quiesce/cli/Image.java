package dev.quiesce.cli;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.ImageLock;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A reference-filesystem image file as the commands use it, and its sidecar directory
 * {@code IMAGE.quiesce/} where snapshot providers keep what they make of it: the dmsnap
 * copy-on-write store ({@code dmsnap.cow}) and the filecopy snapshot directory
 * ({@code filecopy/}).
 *
 * <p>While the image has a dmsnap store, every write the CLI makes to it goes through
 * the dmsnap origin device, so that its snapshots stay exact; a tool outside Quiesce that
 * writes to the image would break them, as writing to a device under a device-mapper
 * snapshot would.
 */
final class Image implements AutoCloseable {
    static final String DMSNAP = "dmsnap";
    static final String FILECOPY = "filecopy";

    private final Path path;
    private final FileBlockDevice file;
    private final ImageLock lock;
    private BlockDevice device;
    private SnapshotSource source;
    private SnapshotProvider originProvider;
    private Dusk mounted;

    private Image(Path path, FileBlockDevice file, ImageLock lock) {
        this.path = path;
        this.file = file;
        this.device = file;
        this.lock = lock;
    }

    /** The sidecar directory of {@code image}. */
    static Path sidecar(Path image) {
        Path abs = image.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".quiesce");
    }

    static Path dmsnapStore(Path image) {
        return sidecar(image).resolve("dmsnap.cow");
    }

    /** Points the providers at this image's sidecar unless the user configured them. */
    static void configureProviders(ProviderSettings settings, Path image) {
        settings.defaultFor(DMSNAP, "store", dmsnapStore(image).toString());
        settings.defaultFor(FILECOPY, "directory", sidecar(image).resolve(FILECOPY).toString());
    }

    /**
     * Opens an existing image.
     *
     * @throws NoSuchFileException if it does not exist
     * @throws CliException (mount refused) if a mount holds it: exclusively, or at all when writing
     */
    static Image open(Path path, int blockSize, boolean readOnly) throws IOException, CliException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a directory, not an image");
        }
        ImageLock lock = lock(path, readOnly);
        try {
            return new Image(path, FileBlockDevice.open(path, blockSize, readOnly), lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Locks the image as every mount of it does (a FUSE mount, the java.nio provider):
     * shared to read, exclusive to write, so the CLI never writes under a live mount nor
     * reads an image a mount is changing.
     */
    private static ImageLock lock(Path path, boolean readOnly) throws IOException, CliException {
        try {
            return ImageLock.acquire(path, readOnly);
        } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw e;
        } catch (FileSystemException e) {
            throw new CliException(ExitCode.MOUNT_REFUSED, path + ": " + e.getReason()
                    + " (unmount it first: 'quiesce umount DIR')", e);
        }
    }

    Path path() {
        return path;
    }

    /** The device to read and write through: the file, or the dmsnap origin over it. */
    BlockDevice device() {
        return device;
    }

    /**
     * Makes writes go through {@code dmsnap}'s origin device when the image has a dmsnap
     * store (or when {@code provider} is dmsnap, which then makes the store), and returns
     * the snapshot source for {@code provider}.
     */
    SnapshotSource sourceFor(SnapshotProvider provider) throws SnapshotException {
        if (source == null) {
            if (provider instanceof DmsnapProvider dmsnap) {
                try {
                    Files.createDirectories(sidecar(path));
                } catch (IOException e) {
                    throw new SnapshotException(DMSNAP, null, "cannot create " + sidecar(path) + ": " + e, e);
                }
                device = dmsnap.origin(file);
                originProvider = dmsnap;
            }
            source = SnapshotSource.ofPath(path, device);
        }
        return source;
    }

    /**
     * Routes writes through the dmsnap origin if this image has dmsnap snapshots to
     * protect; called before mounting for writing, whichever provider is in use.
     */
    void protectSnapshots(java.util.function.Supplier<SnapshotProvider> dmsnap) throws SnapshotException {
        if (Files.exists(dmsnapStore(path))) {
            sourceFor(dmsnap.get());
        }
    }

    /**
     * Mounts the filesystem on {@link #device()}.
     *
     * @throws dev.quiesce.fs.CorruptFilesystemException if it is not a valid image
     */
    Dusk mount(boolean readOnly) throws IOException {
        mounted = Dusk.mount(device, DuskOptions.defaults().withReadOnly(readOnly));
        return mounted;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        if (mounted != null) {
            try {
                mounted.close();
            } catch (IOException e) {
                first = e;
            }
        }
        if (originProvider != null) {
            // The dmsnap engine writes to the image file until it is closed, so it goes
            // first; the container's own close of it later does nothing.
            try {
                originProvider.close();
            } catch (SnapshotException e) {
                first = first == null ? new IOException(e.getMessage(), e) : first;
            }
        }
        try {
            file.close();
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        try {
            lock.close();
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
