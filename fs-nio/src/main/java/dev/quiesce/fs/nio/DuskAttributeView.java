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
 * Changing one fails with a {@link FileSystemException} that says why: the Dusk API
 * (fs-reference) has no call to set a mode, owner or time, and pretending otherwise would
 * lose the change silently.
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
        if (lastModifiedTime == null && lastAccessTime == null && createTime == null) {
            return;
        }
        readAttributes();
        throw unsupported(path, "times");
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
        readAttributes();
        throw unsupported(path, "permissions");
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
                + ": the Dusk filesystem API has no call to change them");
    }

    static void setAttribute(DuskPath path, String attribute) throws IOException {
        String[] viewAndName = split(attribute);
        if (!viewAndName[1].equals("*") && !BASIC.contains(viewAndName[1]) && !POSIX_ONLY.contains(viewAndName[1])) {
            throw new IllegalArgumentException("unknown attribute '" + attribute + "'");
        }
        path.getFileSystem().dusk().lstat(path.duskPath());
        throw unsupported(path, attribute);
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
