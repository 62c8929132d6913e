package dev.quiesce.fs.nio;

import dev.quiesce.fs.Dusk;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code java.nio.file} provider for Dusk images (scheme {@value #SCHEME}), found by
 * {@link java.util.ServiceLoader}. Use it through {@link FileSystems}:
 *
 * <pre>{@code
 * try (FileSystem fs = FileSystems.newFileSystem(Path.of("disk.img"))) {   // an existing image
 *     Files.writeString(fs.getPath("/hello.txt"), "hi");
 * }
 * URI uri = URI.create("dusk:" + Path.of("new.img").toUri());
 * try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("create", "true", "blocks", "65536"))) { ... }
 * Path p = Path.of(URI.create("dusk:file:///tmp/disk.img!/hello.txt"));     // while that filesystem is open
 * }</pre>
 *
 * <p>A URI is {@code dusk:<image file URI>} for a filesystem and
 * {@code dusk:<image file URI>!<absolute path>} for a path in it. Environment keys for
 * {@code newFileSystem}: {@code readOnly} ("true"), {@code create} ("true": format a new
 * image if the file does not exist), {@code blocks} and {@code blockSize} (geometry of a
 * created image; default 65536 blocks of 4096 bytes; create by URI, since the zip provider
 * also answers {@code create} for a Path), {@code commitIntervalMillis}.
 *
 * <p>This class only finds and caches open filesystems (one per image file: a second
 * open of the same image fails with {@link FileSystemAlreadyExistsException}, since two
 * mounts of one image would corrupt it); the work is done by the package-private
 * {@code DuskFileSystem} and {@code FileOperations}. Threading: safe for concurrent use.
 */
public final class DuskFileSystemProvider extends FileSystemProvider {
    /** The URI scheme. */
    public static final String SCHEME = "dusk";

    private final Map<Path, DuskFileSystem> open = new ConcurrentHashMap<>();

    /** Called by {@link java.util.ServiceLoader}; use {@link FileSystems} rather than this. */
    public DuskFileSystemProvider() {
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        return mount(imageOf(uri), env);
    }

    /**
     * Mounts the Dusk image at {@code path}; throws {@link UnsupportedOperationException}
     * for any other file (unless {@code create} is asked), so other providers can try it.
     */
    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            throw new UnsupportedOperationException("a Dusk image must be a file of the default filesystem: " + path);
        }
        Path key = path.toAbsolutePath().normalize();
        if (open.containsKey(key)) {
            // Before probing: closing the probe's descriptor would drop the mount's image lock.
            throw new FileSystemAlreadyExistsException(key + " is already mounted by this provider");
        }
        boolean create = MountSettings.of(env).create() && !java.nio.file.Files.exists(path);
        if (!create && Dusk.probeBlockSize(path).isEmpty()) {
            throw new UnsupportedOperationException(path + " is not a Dusk image");
        }
        return mount(path, env);
    }

    private FileSystem mount(Path image, Map<String, ?> env) throws IOException {
        Path key = image.toAbsolutePath().normalize();
        MountSettings settings = MountSettings.of(env);
        DuskFileSystem[] made = new DuskFileSystem[1];
        IOException[] failed = new IOException[1];
        open.compute(key, (k, existing) -> {
            if (existing != null) {
                return existing;
            }
            try {
                made[0] = DuskFileSystem.mount(this, k, settings);
            } catch (IOException e) {
                failed[0] = e;
            }
            return made[0];
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        if (made[0] == null) {
            throw new FileSystemAlreadyExistsException(key + " is already mounted by this provider; close that "
                    + "FileSystem first or use getFileSystem(" + uriOf(key, null) + ")");
        }
        return made[0];
    }

    /** Called by a closing filesystem. */
    void closed(DuskFileSystem fs) {
        open.remove(fs.image(), fs);
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        DuskFileSystem fs = open.get(imageOf(uri));
        if (fs == null) {
            throw new FileSystemNotFoundException("no open Dusk filesystem for " + uri);
        }
        return fs;
    }

    @Override
    public Path getPath(URI uri) {
        String inner = innerPath(uri);
        return getFileSystem(uri).getPath(inner == null ? "/" : inner);
    }

    static URI uriOf(Path image, String inner) {
        String ssp = image.toUri().toString() + (inner == null ? "" : "!" + inner);
        try {
            return new URI(SCHEME, ssp, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot make a dusk: URI for " + image + " and " + inner, e);
        }
    }

    private static Path imageOf(URI uri) {
        checkScheme(uri);
        String ssp = uri.getSchemeSpecificPart();
        int bang = ssp.indexOf('!');
        String file = bang < 0 ? ssp : ssp.substring(0, bang);
        try {
            return Path.of(new URI(file)).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a dusk:<image file URI>[!<path>] URI: " + uri, e);
        }
    }

    private static String innerPath(URI uri) {
        String ssp = uri.getSchemeSpecificPart();
        int bang = ssp.indexOf('!');
        return bang < 0 ? null : ssp.substring(bang + 1);
    }

    private static void checkScheme(URI uri) {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a " + SCHEME + ": URI: " + uri);
        }
    }

    private static FileOperations ops(Path p) {
        return DuskPath.of(p).getFileSystem().operations();
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return ops(path).newByteChannel(DuskPath.of(path), options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        return ops(dir).newDirectoryStream(DuskPath.of(dir), filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        ops(dir).createDirectory(DuskPath.of(dir), attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        ops(link).createSymbolicLink(DuskPath.of(link), DuskPath.of(target), attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        ops(link).createLink(DuskPath.of(link), DuskPath.of(existing));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return ops(link).readSymbolicLink(DuskPath.of(link));
    }

    @Override
    public void delete(Path path) throws IOException {
        ops(path).delete(DuskPath.of(path));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        ops(source).copy(DuskPath.of(source), DuskPath.of(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        ops(source).move(DuskPath.of(source), DuskPath.of(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        return ops(path).isSameFile(DuskPath.of(path), path2);
    }

    @Override
    public boolean isHidden(Path path) {
        Path name = DuskPath.of(path).getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return DuskPath.of(path).getFileSystem().store();
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        ops(path).checkAccess(DuskPath.of(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return ops(path).attributeView(DuskPath.of(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return ops(path).readAttributes(DuskPath.of(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return ops(path).readAttributes(DuskPath.of(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        ops(path).setAttribute(DuskPath.of(path), attribute, value, options);
    }
}
