package dev.quiesce.fs.nio;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import dev.quiesce.fs.FileStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The provider's file operations on one {@link DuskFileSystem}, mapped onto the Dusk API.
 * Dusk raises the NIO exceptions itself (NoSuchFileException, FileAlreadyExistsException,
 * DirectoryNotEmptyException, NotDirectoryException); this class adds the checks NIO
 * asks for that POSIX calls do not make (a move without REPLACE_EXISTING must not replace).
 * Moves and copies that check the target first hold {@link #namespaceLock} so that two
 * of them through this filesystem cannot both pass the check.
 */
final class FileOperations {
    private static final int MAX_LINK_HOPS = 40;
    private static final int COPY_CHUNK = 1 << 20;
    private static final int FILE_MODE = 0644;
    private static final int DIRECTORY_MODE = 0755;

    private final DuskFileSystem fs;
    private final Object namespaceLock = new Object();

    FileOperations(DuskFileSystem fs) {
        this.fs = fs;
    }

    private Dusk dusk() {
        return fs.dusk();
    }

    private static void noInitialAttributes(FileAttribute<?>[] attrs) {
        if (attrs.length > 0) {
            List<String> names = new ArrayList<>();
            for (FileAttribute<?> a : attrs) {
                names.add(a.name());
            }
            throw new UnsupportedOperationException("Dusk cannot set initial attributes " + names
                    + " on a symbolic link");
        }
    }

    /**
     * The mode {@code attrs} ask a new file or directory for ({@code posix:permissions},
     * set in the same change as the name), or {@code defaultMode}. Any other initial
     * attribute is refused before anything is created.
     */
    private static int initialMode(FileAttribute<?>[] attrs, int defaultMode) {
        int mode = defaultMode;
        for (FileAttribute<?> a : attrs) {
            if (!a.name().equals("posix:permissions") && !a.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("Dusk cannot set initial attribute '" + a.name()
                        + "': only posix:permissions (Dusk keeps no owner or group, and sets times itself)");
            }
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
            mode = DuskAttributes.mode(perms);
        }
        return mode;
    }

    Optional<FileStat> lstat(DuskPath p) throws IOException {
        try {
            return Optional.of(dusk().lstat(p.duskPath()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    FileStat stat(DuskPath p, LinkOption... options) throws IOException {
        return followLinks(options) ? dusk().stat(p.duskPath()) : dusk().lstat(p.duskPath());
    }

    static boolean followLinks(LinkOption... options) {
        return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    }

    SeekableByteChannel newByteChannel(DuskPath p, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        int mode = initialMode(attrs, FILE_MODE);
        boolean append = options.contains(StandardOpenOption.APPEND);
        boolean write = append || options.contains(StandardOpenOption.WRITE);
        boolean read = options.contains(StandardOpenOption.READ) || !write;
        if (append && options.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ and APPEND cannot be combined");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND and TRUNCATE_EXISTING cannot be combined");
        }
        if (write) {
            fs.checkWritable();
        }
        String path = p.duskPath();
        if (options.contains(LinkOption.NOFOLLOW_LINKS)) {
            Optional<FileStat> st = lstat(p);
            if (st.isPresent() && st.get().isSymlink()) {
                throw new FileSystemLoopException(path + " is a symbolic link and NOFOLLOW_LINKS was given");
            }
        }
        DuskFile file = open(p, path, write, options, mode);
        try {
            if (write && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                file.truncate(0);
            }
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        boolean sync = options.contains(StandardOpenOption.SYNC) || options.contains(StandardOpenOption.DSYNC);
        boolean deleteOnClose = options.contains(StandardOpenOption.DELETE_ON_CLOSE);
        return fs.track(new DuskByteChannel(fs, file, read, write, append, sync, deleteOnClose ? p : null));
    }

    private DuskFile open(DuskPath p, String path, boolean write, Set<? extends OpenOption> options, int mode)
            throws IOException {
        if (write && options.contains(StandardOpenOption.CREATE_NEW)) {
            return dusk().create(path, mode);
        }
        if (write && options.contains(StandardOpenOption.CREATE)) {
            try {
                return dusk().create(path, mode);
            } catch (FileAlreadyExistsException e) {
                return openExisting(p, path);
            }
        }
        return openExisting(p, path);
    }

    private DuskFile openExisting(DuskPath p, String path) throws IOException {
        FileStat st = dusk().stat(path);
        if (st.isDirectory()) {
            throw new FileSystemException(path, null, "Is a directory");
        }
        return dusk().open(path);
    }

    DirectoryStream<Path> newDirectoryStream(DuskPath dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        List<String> names = dusk().readdir(dir.duskPath());
        return fs.track(new DuskDirectoryStream(fs, dir, names, filter));
    }

    void createDirectory(DuskPath dir, FileAttribute<?>... attrs) throws IOException {
        int mode = initialMode(attrs, DIRECTORY_MODE);
        fs.checkWritable();
        if (dir.duskPath().equals("/")) {
            throw new FileAlreadyExistsException("/");
        }
        dusk().mkdir(dir.duskPath(), mode);
    }

    void createSymbolicLink(DuskPath link, DuskPath target, FileAttribute<?>... attrs) throws IOException {
        noInitialAttributes(attrs);
        fs.checkWritable();
        dusk().symlink(target.toString(), link.duskPath());
    }

    void createLink(DuskPath link, DuskPath existing) throws IOException {
        fs.checkWritable();
        sameFileSystem(link, existing);
        dusk().link(existing.duskPath(), link.duskPath());
    }

    Path readSymbolicLink(DuskPath link) throws IOException {
        FileStat st = dusk().lstat(link.duskPath());
        if (!st.isSymlink()) {
            throw new java.nio.file.NotLinkException(link.toString());
        }
        return fs.getPath(dusk().readlink(link.duskPath()));
    }

    void delete(DuskPath p) throws IOException {
        fs.checkWritable();
        String path = p.duskPath();
        if (path.equals("/")) {
            throw new FileSystemException(path, null, "the root directory cannot be deleted");
        }
        if (dusk().lstat(path).isDirectory()) {
            dusk().rmdir(path);
        } else {
            dusk().unlink(path);
        }
    }

    void move(DuskPath source, DuskPath target, CopyOption... options) throws IOException {
        fs.checkWritable();
        List<CopyOption> opts = Arrays.asList(options);
        boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
        if (target.getFileSystem() != fs) {
            if (opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
                throw new AtomicMoveNotSupportedException(source.toString(), target.toString(),
                        "the two paths are on different Dusk images");
            }
            copy(source, target, replace
                    ? new CopyOption[] {StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES}
                    : new CopyOption[] {StandardCopyOption.COPY_ATTRIBUTES});
            delete(source);
            return;
        }
        String from = source.duskPath();
        String to = target.duskPath();
        synchronized (namespaceLock) {
            dusk().lstat(from);
            if (from.equals(to)) {
                return;
            }
            // ATOMIC_MOVE replaces like rename(2), as the default provider does; otherwise
            // an existing target needs REPLACE_EXISTING.
            if (!replace && !opts.contains(StandardCopyOption.ATOMIC_MOVE) && lstat(target).isPresent()) {
                throw new FileAlreadyExistsException(to);
            }
            dusk().rename(from, to);
        }
    }

    void copy(DuskPath source, DuskPath target, CopyOption... options) throws IOException {
        List<CopyOption> opts = Arrays.asList(options);
        if (opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
            throw new UnsupportedOperationException("ATOMIC_MOVE is not a copy option");
        }
        DuskFileSystem targetFs = target.getFileSystem();
        targetFs.checkWritable();
        boolean follow = !opts.contains(LinkOption.NOFOLLOW_LINKS);
        FileStat st = follow ? dusk().stat(source.duskPath()) : dusk().lstat(source.duskPath());
        FileOperations to = targetFs.operations();
        synchronized (to.namespaceLock) {
            Optional<FileStat> existing = to.lstat(target);
            if (existing.isPresent()) {
                if (st.inode() == existing.get().inode() && targetFs == fs) {
                    return;
                }
                if (!opts.contains(StandardCopyOption.REPLACE_EXISTING)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                to.delete(target);
            }
            if (st.isDirectory()) {
                to.createDirectory(target);
            } else if (st.isSymlink()) {
                to.createSymbolicLink(target, (DuskPath) readSymbolicLink(source));
            } else {
                copyContent(source, targetFs.dusk(), target.duskPath());
            }
            if (opts.contains(StandardCopyOption.COPY_ATTRIBUTES)) {
                // What Dusk keeps: the mode (a symlink has none of its own) and the modification time.
                if (!st.isSymlink()) {
                    targetFs.dusk().chmod(target.duskPath(), st.mode() & 07777);
                }
                targetFs.dusk().setTimes(target.duskPath(), st.modifiedMillis(), false);
            }
        }
    }

    private void copyContent(DuskPath source, Dusk into, String to) throws IOException {
        try (DuskFile in = dusk().open(source.duskPath()); DuskFile out = into.create(to)) {
            ByteBuffer buffer = ByteBuffer.allocate(COPY_CHUNK);
            long position = 0;
            for (int n; (n = in.read(position, buffer.clear())) > 0; ) {
                out.write(position, buffer.flip());
                position += n;
            }
        }
    }

    boolean isSameFile(DuskPath p, Path other) throws IOException {
        if (p.equals(other)) {
            return true;
        }
        if (!(other instanceof DuskPath) || other.getFileSystem() != fs) {
            return false;
        }
        return dusk().stat(p.duskPath()).inode() == dusk().stat(((DuskPath) other).duskPath()).inode();
    }

    void checkAccess(DuskPath p, AccessMode... modes) throws IOException {
        FileStat st = dusk().stat(p.duskPath());
        for (AccessMode m : modes) {
            if (m == AccessMode.WRITE && fs.isReadOnly()) {
                throw new AccessDeniedException(p.toString(), null, "the filesystem is mounted read-only");
            }
            int bit = m == AccessMode.READ ? 0400 : m == AccessMode.WRITE ? 0200 : 0100;
            if ((st.mode() & bit) == 0) {
                throw new AccessDeniedException(p.toString(), null, "mode " + Integer.toOctalString(st.mode())
                        + " does not allow " + m + " to the owner");
            }
        }
    }

    <V extends FileAttributeView> V attributeView(DuskPath p, Class<V> type, LinkOption... options) {
        return DuskAttributeView.of(fs, p, type, followLinks(options));
    }

    <A extends BasicFileAttributes> A readAttributes(DuskPath p, Class<A> type, LinkOption... options)
            throws IOException {
        if (!type.isAssignableFrom(DuskAttributes.class)) {
            throw new UnsupportedOperationException("Dusk has no " + type.getName() + "; use basic or posix");
        }
        return type.cast(new DuskAttributes(fs, stat(p, options)));
    }

    Map<String, Object> readAttributes(DuskPath p, String attributes, LinkOption... options) throws IOException {
        return DuskAttributeView.readMap(new DuskAttributes(fs, stat(p, options)), attributes);
    }

    void setAttribute(DuskPath p, String attribute, Object value, LinkOption... options) throws IOException {
        DuskAttributeView.setAttribute(p, attribute, value, followLinks(options));
    }

    Path realPath(DuskPath p, LinkOption... options) throws IOException {
        List<String> todo = new ArrayList<>(((DuskPath) p.toAbsolutePath()).names());
        List<String> done = new ArrayList<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String name = todo.remove(0);
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            done.add(name);
            DuskPath here = new DuskPath(fs, true, done);
            FileStat st = dusk().lstat(here.duskPath());
            if (st.isSymlink() && (followLinks(options) || !todo.isEmpty())) {
                if (++hops > MAX_LINK_HOPS) {
                    throw new FileSystemLoopException(p.toString());
                }
                DuskPath target = DuskPath.parse(fs, dusk().readlink(here.duskPath()));
                done.remove(done.size() - 1);
                if (target.isAbsolute()) {
                    done.clear();
                }
                todo.addAll(0, target.names());
            } else if (!st.isDirectory() && !todo.isEmpty()) {
                throw new NotDirectoryException(here.toString());
            }
        }
        return new DuskPath(fs, true, done);
    }

    private static void sameFileSystem(DuskPath a, DuskPath b) {
        if (a.getFileSystem() != b.getFileSystem()) {
            throw new java.nio.file.ProviderMismatchException(a + " and " + b + " are on different Dusk images");
        }
    }
}
