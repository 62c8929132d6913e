package dev.quiesce.fs.nio;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.ImageLock;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.TargetFrozenException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A mounted Dusk image as a {@link FileSystem}. Owns the {@link Dusk} mount and its
 * device; tracks open channels and directory streams so that {@link #close()} can close
 * them first. Closing a frozen filesystem is refused (SPEC.md F13) and leaves it open.
 *
 * <p>Dusk keeps no owner or group: every file is reported as owned by the owner and group
 * of the image file. Dusk keeps no access time either: it is reported as the
 * modification time.
 */
final class DuskFileSystem extends FileSystem {
    private final DuskFileSystemProvider provider;
    private final Path image;
    private final FileBlockDevice device;
    private final ImageLock lock;
    private final Dusk dusk;
    private final boolean readOnly;
    private final UserPrincipal owner;
    private final GroupPrincipal group;
    private final Set<Closeable> resources = ConcurrentHashMap.newKeySet();
    private final FileOperations operations;
    private final DuskFileStore store;
    private volatile boolean open = true;

    private DuskFileSystem(DuskFileSystemProvider provider, Path image, FileBlockDevice device, ImageLock lock,
                           Dusk dusk, boolean readOnly) throws IOException {
        this.provider = provider;
        this.image = image;
        this.device = device;
        this.lock = lock;
        this.dusk = dusk;
        this.readOnly = readOnly;
        PosixFileAttributes host = Files.readAttributes(image, PosixFileAttributes.class);
        this.owner = host.owner();
        this.group = host.group();
        this.operations = new FileOperations(this);
        this.store = new DuskFileStore(this);
    }

    static DuskFileSystem mount(DuskFileSystemProvider provider, Path image, MountSettings s) throws IOException {
        FileBlockDevice device;
        if (s.create() && !Files.exists(image)) {
            device = FileBlockDevice.create(image, s.blockSize(), s.blocks(), false);
            try {
                Dusk.format(device);
            } catch (IOException | RuntimeException e) {
                device.close();
                Files.deleteIfExists(image);
                throw e;
            }
        } else {
            int bs = Dusk.probeBlockSize(image).orElseThrow(() -> new java.nio.file.FileSystemException(
                    image.toString(), null, "not a Dusk image (no DSUP superblock)"));
            device = FileBlockDevice.open(image, bs, s.readOnly());
        }
        ImageLock lock = null;
        try {
            lock = ImageLock.acquire(image, s.readOnly());
            Dusk dusk = Dusk.mount(device, DuskOptions.defaults().withReadOnly(s.readOnly())
                    .withCommitInterval(s.commitInterval()));
            return new DuskFileSystem(provider, image, device, lock, dusk, s.readOnly());
        } catch (IOException | RuntimeException e) {
            device.close();
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    Path image() {
        return image;
    }

    Dusk dusk() {
        checkOpen();
        return dusk;
    }

    FileOperations operations() {
        checkOpen();
        return operations;
    }

    DuskFileStore store() {
        checkOpen();
        return store;
    }

    UserPrincipal owner() {
        return owner;
    }

    GroupPrincipal group() {
        return group;
    }

    void checkOpen() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
    }

    void checkWritable() {
        checkOpen();
        if (readOnly) {
            throw new java.nio.file.ReadOnlyFileSystemException();
        }
    }

    <C extends Closeable> C track(C resource) {
        resources.add(resource);
        return resource;
    }

    void untrack(Closeable resource) {
        resources.remove(resource);
    }

    Path realPath(DuskPath path, LinkOption... options) throws IOException {
        return operations().realPath(path, options);
    }

    @Override
    public DuskFileSystemProvider provider() {
        return provider;
    }

    /** Closes open channels and streams, commits and unmounts; refused while frozen (F13). */
    @Override
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        if (dusk.state() != FreezeState.THAWED) {
            throw new TargetFrozenException(image.toString(), "cannot close a frozen Dusk filesystem; thaw it first");
        }
        open = false;
        IOException failure = null;
        for (Closeable c : List.copyOf(resources)) {
            try {
                c.close();
            } catch (IOException e) {
                failure = add(failure, e);
            }
        }
        try {
            dusk.close();
        } catch (IOException e) {
            failure = add(failure, e);
        }
        try {
            device.close();
        } catch (IOException e) {
            failure = add(failure, e);
        }
        try {
            lock.close();
        } catch (IOException e) {
            failure = add(failure, e);
        }
        provider.closed(this);
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException add(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        checkOpen();
        return List.of(getPath("/"));
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(store());
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Set.of("basic", "posix", "owner");
    }

    @Override
    public Path getPath(String first, String... more) {
        return DuskPath.parse(this, first, more);
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        // The default provider's matchers compare the path's string form: '/'-separated, as ours.
        return FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        throw new UnsupportedOperationException("Dusk keeps no owners; every file is owned by the image file's owner");
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("Dusk filesystems do not support watch services");
    }

    @Override
    public String toString() {
        return DuskFileSystemProvider.SCHEME + ":" + image;
    }
}
