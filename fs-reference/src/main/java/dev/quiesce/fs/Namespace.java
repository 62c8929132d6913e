package dev.quiesce.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The front end's view of names and inodes: path resolution, directories and the inode
 * attributes, as the last commit left them plus what later deltas changed. Changes go to
 * an overlay (names) and to cached {@link Inode}s, and are recorded in the current
 * {@link Delta} for the committer; once a commit is published its overlay entries and
 * unused inodes are dropped, and lookups fall through to the committed trees again.
 * Every method runs under the volume lock.
 */
final class Namespace {
    static final long ROOT = 1;
    private static final int MAX_SYMLINKS = 40;
    static final int MAX_SYMLINK_LENGTH = 4095;

    /** An inode the front end has touched. */
    static final class Inode {
        final long number;
        Attrs attrs;
        long delta;
        int open;
        boolean orphan;
        long holeFrom = Long.MAX_VALUE;
        long holeDelta;

        Inode(long number, Attrs attrs, long delta) {
            this.number = number;
            this.attrs = attrs;
            this.delta = delta;
        }
    }

    /** A name's state in the overlay; {@code inode == 0} means removed. */
    record Entry(long inode, FileType type, long delta) {
    }

    /** A parent directory and the last name of a path. */
    record Parent(long dir, String name) {
    }

    private final Volume v;
    private final Map<Long, Inode> inodes = new HashMap<>();
    private final Map<Long, Map<String, Entry>> overlay = new HashMap<>();

    Namespace(Volume v) {
        this.v = v;
    }

    // ---- lookups ----

    Inode inode(long number) throws IOException {
        Inode i = inodes.get(number);
        if (i == null) {
            DiskFormat.InodeRecord rec = v.published.inode(v.store, number);
            if (rec == null) {
                return null;
            }
            i = new Inode(number, rec.attrs(), 0);
            inodes.put(number, i);
        }
        return i;
    }

    Inode existing(long number, String path) throws IOException {
        Inode i = inode(number);
        if (i == null) {
            throw new CorruptFilesystemException(v.name, -1, "'" + path + "' names inode " + number
                    + ", which is not in the inode table");
        }
        return i;
    }

    Entry lookup(long dir, String name) throws IOException {
        Map<String, Entry> o = overlay.get(dir);
        if (o != null) {
            Entry e = o.get(name);
            if (e != null) {
                return e.inode() == 0 ? null : e;
            }
        }
        DiskFormat.InodeRecord rec = v.published.inode(v.store, dir);
        if (rec == null || rec.root().isEmpty()) {
            return null;
        }
        byte[] bucket = new BTree(v.store, DiskFormat.KIND_DIR, rec.root()).get(DiskFormat.nameHash(name));
        if (bucket == null) {
            return null;
        }
        for (DiskFormat.DirEntry e : DiskFormat.decodeBucket(v.name, rec.root().block(), bucket)) {
            if (e.name().equals(name)) {
                return new Entry(e.inode(), e.type(), 0);
            }
        }
        return null;
    }

    List<String> list(long dir) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        DiskFormat.InodeRecord rec = v.published.inode(v.store, dir);
        if (rec != null && !rec.root().isEmpty()) {
            new BTree(v.store, DiskFormat.KIND_DIR, rec.root()).forEach(0, (k, bucket) -> {
                for (DiskFormat.DirEntry e : DiskFormat.decodeBucket(v.name, rec.root().block(), bucket)) {
                    names.add(e.name());
                }
                return true;
            });
        }
        Map<String, Entry> o = overlay.get(dir);
        if (o != null) {
            for (Map.Entry<String, Entry> e : o.entrySet()) {
                if (e.getValue().inode() == 0) {
                    names.remove(e.getKey());
                } else {
                    names.add(e.getKey());
                }
            }
        }
        return new ArrayList<>(names);
    }

    // ---- paths ----

    static String checkName(String path, String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new InvalidPathException(path, "'" + name + "' cannot be used as a name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new InvalidPathException(path, "a name must not contain NUL");
        }
        if (name.indexOf('/') >= 0) {
            throw new InvalidPathException(path, "a name must not contain '/'");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > DiskFormat.MAX_NAME) {
            throw new InvalidPathException(path, "name longer than " + DiskFormat.MAX_NAME + " bytes");
        }
        return name;
    }

    private static List<String> components(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new InvalidPathException(String.valueOf(path), "paths must be absolute (start with '/')");
        }
        if (path.indexOf('\0') >= 0) {
            throw new InvalidPathException(path, "a path must not contain NUL");
        }
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    /** The inode {@code path} names; symlinks are followed except in the last component unless asked. */
    long resolve(String path, boolean followLast) throws IOException {
        return walk(path, ROOT, components(path), followLast, new int[] {0});
    }

    private long walk(String path, long start, List<String> parts, boolean followLast, int[] links)
            throws IOException {
        long cur = start;
        for (int k = 0; k < parts.size(); k++) {
            String c = parts.get(k);
            Inode dir = existing(cur, path);
            if (dir.attrs.type() != FileType.DIRECTORY) {
                throw new NotDirectoryException(path);
            }
            if (c.equals("..")) {
                cur = cur == ROOT ? ROOT : dir.attrs.parent();
                continue;
            }
            checkName(path, c);
            Entry e = lookup(cur, c);
            if (e == null) {
                throw new NoSuchFileException(path);
            }
            boolean last = k == parts.size() - 1;
            if (e.type() == FileType.SYMLINK && (!last || followLast)) {
                if (++links[0] > MAX_SYMLINKS) {
                    throw new FileSystemException(path, null, "too many levels of symbolic links");
                }
                String target = readlink(e.inode());
                List<String> rest = new ArrayList<>(target.startsWith("/") ? components(target)
                        : components("/" + target));
                cur = walk(path, target.startsWith("/") ? ROOT : cur, rest, true, links);
            } else {
                cur = e.inode();
            }
        }
        return cur;
    }

    /** The directory that holds the last component of {@code path}, and that name. */
    Parent parent(String path) throws IOException {
        List<String> parts = components(path);
        if (parts.isEmpty()) {
            throw new InvalidPathException(path, "the root directory has no name");
        }
        String name = checkName(path, parts.remove(parts.size() - 1));
        long dir = walk(path, ROOT, parts, true, new int[] {0});
        if (existing(dir, path).attrs.type() != FileType.DIRECTORY) {
            throw new NotDirectoryException(path);
        }
        return new Parent(dir, name);
    }

    String readlink(long inode) throws IOException {
        Inode i = existing(inode, "#" + inode);
        byte[] b = new byte[(int) i.attrs.size()];
        v.data.read(i, 0, java.nio.ByteBuffer.wrap(b));
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---- changes ----

    void setAttrs(Delta d, Inode i, Attrs a) {
        i.attrs = a;
        i.delta = d.number;
        d.attrs(i.number, a);
    }

    private void putEntry(Delta d, long dir, String name, long inode, FileType type) {
        overlay.computeIfAbsent(dir, x -> new HashMap<>()).put(name, new Entry(inode, type, d.number));
        d.dirChange(dir, name, inode, type);
    }

    private void addEntry(Delta d, Inode dir, String name, long inode, FileType type) {
        putEntry(d, dir.number, name, inode, type);
        Attrs a = dir.attrs;
        setAttrs(d, dir, a.withEntries(a.entries() + 1, a.nlink() + (type == FileType.DIRECTORY ? 1 : 0), v.now()));
    }

    private void removeEntry(Delta d, Inode dir, String name, FileType type) {
        putEntry(d, dir.number, name, 0, type);
        Attrs a = dir.attrs;
        setAttrs(d, dir, a.withEntries(a.entries() - 1, a.nlink() - (type == FileType.DIRECTORY ? 1 : 0), v.now()));
    }

    Inode create(Delta d, String path, FileType type, int mode) throws IOException {
        Parent p = parent(path);
        if (lookup(p.dir(), p.name()) != null) {
            throw new FileAlreadyExistsException(path);
        }
        long number = d.nextInode++;
        long now = v.now();
        Attrs a = new Attrs(type, mode, type == FileType.DIRECTORY ? 2 : 1, 0, now, now,
                type == FileType.DIRECTORY ? p.dir() : 0, 0);
        Inode i = new Inode(number, a, d.number);
        inodes.put(number, i);
        d.attrs(number, a);
        addEntry(d, existing(p.dir(), path), p.name(), number, type);
        return i;
    }

    void rmdir(Delta d, String path) throws IOException {
        Parent p = parent(path);
        Entry e = lookup(p.dir(), p.name());
        if (e == null) {
            throw new NoSuchFileException(path);
        }
        Inode target = existing(e.inode(), path);
        if (target.attrs.type() != FileType.DIRECTORY) {
            throw new NotDirectoryException(path);
        }
        if (target.attrs.entries() > 0) {
            throw new DirectoryNotEmptyException(path);
        }
        removeEntry(d, existing(p.dir(), path), p.name(), FileType.DIRECTORY);
        destroy(d, target);
    }

    void unlink(Delta d, String path) throws IOException {
        Parent p = parent(path);
        Entry e = lookup(p.dir(), p.name());
        if (e == null) {
            throw new NoSuchFileException(path);
        }
        Inode target = existing(e.inode(), path);
        if (target.attrs.type() == FileType.DIRECTORY) {
            throw new FileSystemException(path, null, "is a directory; use rmdir");
        }
        removeEntry(d, existing(p.dir(), path), p.name(), target.attrs.type());
        dropLink(d, target);
    }

    private void dropLink(Delta d, Inode target) throws IOException {
        int links = target.attrs.nlink() - 1;
        setAttrs(d, target, target.attrs.withLinks(links, v.now()));
        if (links == 0 && target.attrs.type() != FileType.DIRECTORY) {
            if (target.open > 0) {
                target.orphan = true;
                d.orphans.put(target.number, true);
            } else {
                destroy(d, target);
            }
        }
    }

    private void destroy(Delta d, Inode target) {
        inodes.remove(target.number);
        d.delete(target.number);
        v.data.drop(target.number);
        if (target.orphan) {
            d.orphans.put(target.number, false);
        }
    }

    /** Destroys an orphan once no handle has it open (after close, or at mount after a crash). */
    void destroyIfUnused(Delta d, long number) throws IOException {
        Inode i = inode(number);
        if (i != null && i.open == 0 && i.attrs.nlink() == 0) {
            i.orphan = true;
            destroy(d, i);
        }
    }

    void link(Delta d, String existingPath, String newPath) throws IOException {
        long src = resolve(existingPath, false);
        Inode i = existing(src, existingPath);
        if (i.attrs.type() == FileType.DIRECTORY) {
            throw new FileSystemException(existingPath, newPath, "hard links to directories are not allowed");
        }
        Parent p = parent(newPath);
        if (lookup(p.dir(), p.name()) != null) {
            throw new FileAlreadyExistsException(newPath);
        }
        addEntry(d, existing(p.dir(), newPath), p.name(), src, i.attrs.type());
        setAttrs(d, i, i.attrs.withLinks(i.attrs.nlink() + 1, v.now()));
    }

    void rename(Delta d, String from, String to) throws IOException {
        Parent pf = parent(from);
        Parent pt = parent(to);
        Entry src = lookup(pf.dir(), pf.name());
        if (src == null) {
            throw new NoSuchFileException(from);
        }
        Entry dst = lookup(pt.dir(), pt.name());
        if (dst != null && dst.inode() == src.inode()) {
            return;
        }
        Inode moving = existing(src.inode(), from);
        boolean isDir = moving.attrs.type() == FileType.DIRECTORY;
        if (isDir) {
            for (long at = pt.dir(); ; at = existing(at, to).attrs.parent()) {
                if (at == moving.number) {
                    throw new FileSystemException(from, to, "cannot move a directory into itself");
                }
                if (at == ROOT) {
                    break;
                }
            }
        }
        if (dst != null) {
            Inode victim = existing(dst.inode(), to);
            boolean victimDir = victim.attrs.type() == FileType.DIRECTORY;
            if (isDir && !victimDir) {
                throw new NotDirectoryException(to);
            }
            if (!isDir && victimDir) {
                throw new FileSystemException(from, to, "cannot replace a directory with a non-directory");
            }
            if (victimDir && victim.attrs.entries() > 0) {
                throw new DirectoryNotEmptyException(to);
            }
            removeEntry(d, existing(pt.dir(), to), pt.name(), victim.attrs.type());
            if (victimDir) {
                destroy(d, victim);
            } else {
                dropLink(d, victim);
            }
        }
        removeEntry(d, existing(pf.dir(), from), pf.name(), moving.attrs.type());
        addEntry(d, existing(pt.dir(), to), pt.name(), moving.number, moving.attrs.type());
        if (isDir && pf.dir() != pt.dir()) {
            setAttrs(d, moving, moving.attrs.withParent(pt.dir(), v.now()));
        } else {
            setAttrs(d, moving, moving.attrs.withLinks(moving.attrs.nlink(), v.now()));
        }
    }

    FileStat stat(long number, String path) throws IOException {
        Attrs a = existing(number, path).attrs;
        return new FileStat(number, a.type(), a.size(), a.mode(), a.nlink(), a.mtime(), a.ctime());
    }

    /** Forgets overlay entries and idle inodes the published commit {@code seq} now holds. */
    void published(long seq) {
        for (Iterator<Map<String, Entry>> it = overlay.values().iterator(); it.hasNext(); ) {
            Map<String, Entry> m = it.next();
            m.values().removeIf(e -> e.delta() <= seq);
            if (m.isEmpty()) {
                it.remove();
            }
        }
        inodes.values().removeIf(i -> i.delta <= seq && i.open == 0 && !i.orphan
                && i.holeFrom == Long.MAX_VALUE && !v.data.hasPages(i.number));
        for (Inode i : inodes.values()) {
            if (i.holeDelta <= seq) {
                i.holeFrom = Long.MAX_VALUE;
            }
        }
    }
}
