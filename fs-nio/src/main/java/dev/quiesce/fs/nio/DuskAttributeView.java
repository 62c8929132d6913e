package dev.quiesce.fs.nio;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The basic, owner and POSIX attribute views of a Dusk path, and the string forms of
 * {@code Files.readAttributes(path, "posix:*")}. Reading works for every attribute.
 * The modification time and the permission bits can be set (each is one Dusk change, so
 * it commits and survives a crash like any other). Dusk keeps no access or creation time
 * (both read as the modification time), so setting them alone changes nothing, as
 * {@link BasicFileAttributeView#setTimes} allows for a time the filesystem does not keep.
 * Dusk keeps no owner either: changing the owner or group fails with a
 * {@link FileSystemException} that says why, rather than losing the change silently.
 */
final class DuskAttributeView implements PosixFileAttributeView {
    private static final List<String> BASIC = List.of("lastModifiedTime", "lastAccessTime", "creationTime", "size",
            "isRegularFile", "isDirectory", "isSymbolicLink", "isOther", "fileKey");
    private static final List<String> POSIX_ONLY = List.of("permissions", "owner", "group");

    private final DuskFileSystem fs;
    private final DuskPath path;
    private final boolean follow;

    private DuskAttributeView(DuskFileSystem fs, DuskPath path, boolean follow) {
        this.fs = fs;
        this.path = path;
        this.follow = follow;
    }

    static <V extends FileAttributeView> V of(DuskFileSystem fs, DuskPath path, Class<V> type, boolean follow) {
        if (type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == FileOwnerAttributeView.class) {
            return type.cast(new DuskAttributeView(fs, path, follow));
        }
        return null;
    }

    @Override
    public String name() {
        return "posix";
    }

    @Override
    public DuskAttributes readAttributes() throws IOException {
        return new DuskAttributes(fs, follow ? fs.dusk().stat(path.duskPath()) : fs.dusk().lstat(path.duskPath()));
    }

    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
        if (lastModifiedTime == null) {
            readAttributes(); // the access and creation times are not kept; the file must still exist
            return;
        }
        setModifiedTime(fs, path, lastModifiedTime, follow);
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
        setPermissions(fs, path, perms, follow);
    }

    private static void setModifiedTime(DuskFileSystem fs, DuskPath path, FileTime time, boolean follow)
            throws IOException {
        long millis = time.toMillis();
        if (millis < 0) {
            throw new FileSystemException(path.toString(), null, "cannot set a modification time before 1970 ("
                    + time + "): Dusk keeps times as unsigned milliseconds");
        }
        fs.checkWritable();
        fs.dusk().setTimes(path.duskPath(), millis, follow);
    }

    private static void setPermissions(DuskFileSystem fs, DuskPath path, Set<PosixFilePermission> perms,
                                       boolean follow) throws IOException {
        int mode = DuskAttributes.mode(perms);
        fs.checkWritable();
        if (!follow && fs.dusk().lstat(path.duskPath()).isSymlink()) {
            throw new FileSystemException(path.toString(), null, "a symbolic link has no permissions of its own"
                    + " to set (NOFOLLOW_LINKS was given)");
        }
        fs.dusk().chmod(path.duskPath(), mode);
    }

    @Override
    public void setGroup(GroupPrincipal group) throws IOException {
        readAttributes();
        throw unsupported(path, "group");
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
        return readAttributes().owner();
    }

    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
        readAttributes();
        throw unsupported(path, "owner");
    }

    private static FileSystemException unsupported(DuskPath path, String what) {
        return new FileSystemException(path.toString(), null, "cannot set " + what
                + ": Dusk keeps no owner or group (files belong to the image file's owner)");
    }

    /** {@code Files.setAttribute}: the modification time and the permissions; owner and group are refused. */
    static void setAttribute(DuskPath path, String attribute, Object value, boolean follow) throws IOException {
        String[] viewAndName = split(attribute);
        String view = viewAndName[0];
        String name = viewAndName[1];
        boolean known = view.equals("owner") ? name.equals("owner")
                : BASIC.contains(name) || view.equals("posix") && POSIX_ONLY.contains(name);
        if (!known) {
            throw new IllegalArgumentException("unknown attribute '" + attribute + "'");
        }
        DuskFileSystem fs = path.getFileSystem();
        switch (name) {
            case "lastModifiedTime":
                setModifiedTime(fs, path, (FileTime) value, follow);
                return;
            case "lastAccessTime":
            case "creationTime":
                fs.dusk().lstat(path.duskPath()); // not kept; the file must still exist
                return;
            case "permissions":
                @SuppressWarnings("unchecked")
                Set<PosixFilePermission> perms = (Set<PosixFilePermission>) value;
                setPermissions(fs, path, perms, follow);
                return;
            case "owner":
            case "group":
                fs.dusk().lstat(path.duskPath());
                throw unsupported(path, attribute);
            default:
                throw new IllegalArgumentException("'" + attribute + "' is read-only");
        }
    }

    static Map<String, Object> readMap(DuskAttributes a, String attributes) {
        String[] viewAndNames = split(attributes);
        String view = viewAndNames[0];
        boolean posix = view.equals("posix");
        boolean owner = view.equals("owner");
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : viewAndNames[1].split(",")) {
            if (name.equals("*")) {
                if (!owner) {
                    BASIC.forEach(n -> out.put(n, value(a, n)));
                }
                if (posix) {
                    POSIX_ONLY.forEach(n -> out.put(n, value(a, n)));
                } else if (owner) {
                    out.put("owner", a.owner());
                }
                continue;
            }
            boolean known = owner ? name.equals("owner") : BASIC.contains(name) || posix && POSIX_ONLY.contains(name);
            if (!known) {
                throw new IllegalArgumentException("unknown attribute '" + name + "' of view '" + view + "'");
            }
            out.put(name, value(a, name));
        }
        return out;
    }

    private static String[] split(String attributes) {
        int colon = attributes.indexOf(':');
        String view = colon < 0 ? "basic" : attributes.substring(0, colon);
        if (!Set.of("basic", "posix", "owner").contains(view)) {
            throw new UnsupportedOperationException("Dusk has no attribute view '" + view + "'");
        }
        return new String[] {view, colon < 0 ? attributes : attributes.substring(colon + 1)};
    }

    private static Object value(DuskAttributes a, String name) {
        switch (name) {
            case "lastModifiedTime":
                return a.lastModifiedTime();
            case "lastAccessTime":
                return a.lastAccessTime();
            case "creationTime":
                return a.creationTime();
            case "size":
                return a.size();
            case "isRegularFile":
                return a.isRegularFile();
            case "isDirectory":
                return a.isDirectory();
            case "isSymbolicLink":
                return a.isSymbolicLink();
            case "isOther":
                return a.isOther();
            case "fileKey":
                return a.fileKey();
            case "permissions":
                return a.permissions();
            case "owner":
                return a.owner();
            case "group":
                return a.group();
            default:
                throw new IllegalArgumentException("unknown attribute '" + name + "'");
        }
    }
}
