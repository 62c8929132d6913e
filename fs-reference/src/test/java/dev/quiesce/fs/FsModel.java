package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * An in-memory model of the Dusk namespace with the same error rules, used as the oracle
 * of the differential and crash tests. Each operation returns its outcome: "ok" or the
 * simple name of the exception it must raise.
 */
final class FsModel {
    static final class MNode {
        final FileType type;
        byte[] data = new byte[0];
        String target;
        TreeMap<String, MNode> children;
        MNode parent;
        int nlink;

        MNode(FileType type) {
            this.type = type;
            if (type == FileType.DIRECTORY) {
                children = new TreeMap<>();
                nlink = 2;
            } else {
                nlink = 1;
            }
        }
    }

    /** Thrown inside the model to carry the expected outcome. */
    static final class Outcome extends Exception {
        private static final long serialVersionUID = 1L;
        final String name;

        Outcome(String name) {
            super(name, null, false, false);
            this.name = name;
        }
    }

    final MNode root;

    FsModel() {
        root = new MNode(FileType.DIRECTORY);
        root.parent = root;
    }

    private FsModel(MNode root) {
        this.root = root;
    }

    FsModel copy() {
        Map<MNode, MNode> seen = new IdentityHashMap<>();
        MNode r = copyOf(root, seen);
        r.parent = r;
        return new FsModel(r);
    }

    private static MNode copyOf(MNode n, Map<MNode, MNode> seen) {
        MNode c = seen.get(n);
        if (c != null) {
            return c;
        }
        c = new MNode(n.type);
        seen.put(n, c);
        c.data = n.data;
        c.target = n.target;
        c.nlink = n.nlink;
        if (n.children != null) {
            for (Map.Entry<String, MNode> e : n.children.entrySet()) {
                MNode child = copyOf(e.getValue(), seen);
                if (child.type == FileType.DIRECTORY) {
                    child.parent = c;
                }
                c.children.put(e.getKey(), child);
            }
        }
        return c;
    }

    // ---- resolution, mirroring Namespace ----

    private static List<String> parts(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                out.add(c);
            }
        }
        return out;
    }

    private MNode walk(MNode start, List<String> parts, boolean followLast, int[] links) throws Outcome {
        MNode cur = start;
        for (int k = 0; k < parts.size(); k++) {
            if (cur.type != FileType.DIRECTORY) {
                throw new Outcome("NotDirectoryException");
            }
            MNode e = cur.children.get(parts.get(k));
            if (e == null) {
                throw new Outcome("NoSuchFileException");
            }
            boolean last = k == parts.size() - 1;
            if (e.type == FileType.SYMLINK && (!last || followLast)) {
                if (++links[0] > 40) {
                    throw new Outcome("FileSystemException");
                }
                cur = walk(root, parts(e.target), true, links);
            } else {
                cur = e;
            }
        }
        return cur;
    }

    MNode resolve(String path, boolean follow) throws Outcome {
        return walk(root, parts(path), follow, new int[] {0});
    }

    private MNode parentOf(String path) throws Outcome {
        List<String> p = parts(path);
        p.remove(p.size() - 1);
        MNode d = walk(root, p, true, new int[] {0});
        if (d.type != FileType.DIRECTORY) {
            throw new Outcome("NotDirectoryException");
        }
        return d;
    }

    private static String last(String path) {
        List<String> p = parts(path);
        return p.get(p.size() - 1);
    }

    private static void add(MNode dir, String name, MNode n) {
        dir.children.put(name, n);
        if (n.type == FileType.DIRECTORY) {
            dir.nlink++;
            n.parent = dir;
        }
    }

    private static MNode remove(MNode dir, String name) {
        MNode n = dir.children.remove(name);
        if (n.type == FileType.DIRECTORY) {
            dir.nlink--;
        }
        return n;
    }

    // ---- operations ----

    String create(String path, FileType type, String target) {
        try {
            MNode d = parentOf(path);
            if (d.children.containsKey(last(path))) {
                return "FileAlreadyExistsException";
            }
            MNode n = new MNode(type);
            n.target = target;
            if (type == FileType.SYMLINK) {
                n.data = target.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            add(d, last(path), n);
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    private MNode openFile(String path) throws Outcome {
        MNode n = resolve(path, true);
        if (n.type != FileType.FILE) {
            throw new Outcome("FileSystemException");
        }
        return n;
    }

    String write(String path, long pos, byte[] bytes) {
        try {
            MNode n = openFile(path);
            int end = (int) pos + bytes.length;
            if (end > n.data.length) {
                n.data = Arrays.copyOf(n.data, end);
            } else {
                n.data = n.data.clone();
            }
            System.arraycopy(bytes, 0, n.data, (int) pos, bytes.length);
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    String append(String path, byte[] bytes) {
        try {
            return write(path, openFile(path).data.length, bytes);
        } catch (Outcome o) {
            return o.name;
        }
    }

    String truncate(String path, int size) {
        try {
            MNode n = openFile(path);
            n.data = Arrays.copyOf(n.data, size);
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    String rmdir(String path) {
        try {
            MNode d = parentOf(path);
            MNode n = d.children.get(last(path));
            if (n == null) {
                return "NoSuchFileException";
            }
            if (n.type != FileType.DIRECTORY) {
                return "NotDirectoryException";
            }
            if (!n.children.isEmpty()) {
                return "DirectoryNotEmptyException";
            }
            remove(d, last(path));
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    String unlink(String path) {
        try {
            MNode d = parentOf(path);
            MNode n = d.children.get(last(path));
            if (n == null) {
                return "NoSuchFileException";
            }
            if (n.type == FileType.DIRECTORY) {
                return "FileSystemException";
            }
            remove(d, last(path));
            n.nlink--;
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    String link(String existing, String path) {
        try {
            MNode n = resolve(existing, false);
            if (n.type == FileType.DIRECTORY) {
                return "FileSystemException";
            }
            MNode d = parentOf(path);
            if (d.children.containsKey(last(path))) {
                return "FileAlreadyExistsException";
            }
            add(d, last(path), n);
            n.nlink++;
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    String rename(String from, String to) {
        try {
            MNode pf = parentOf(from);
            MNode pt = parentOf(to);
            MNode src = pf.children.get(last(from));
            if (src == null) {
                return "NoSuchFileException";
            }
            MNode dst = pt.children.get(last(to));
            if (dst == src) {
                return "ok";
            }
            boolean isDir = src.type == FileType.DIRECTORY;
            if (isDir) {
                for (MNode at = pt; ; at = at.parent) {
                    if (at == src) {
                        return "FileSystemException";
                    }
                    if (at == root) {
                        break;
                    }
                }
            }
            if (dst != null) {
                boolean victimDir = dst.type == FileType.DIRECTORY;
                if (isDir && !victimDir) {
                    return "NotDirectoryException";
                }
                if (!isDir && victimDir) {
                    return "FileSystemException";
                }
                if (victimDir && !dst.children.isEmpty()) {
                    return "DirectoryNotEmptyException";
                }
                remove(pt, last(to));
                dst.nlink--;
            }
            remove(pf, last(from));
            add(pt, last(to), src);
            return "ok";
        } catch (Outcome o) {
            return o.name;
        }
    }

    static String outcomeOf(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException
                || e instanceof NotDirectoryException || e instanceof DirectoryNotEmptyException) {
            return e.getClass().getSimpleName();
        }
        if (e instanceof FileSystemException && e.getClass() == FileSystemException.class) {
            return "FileSystemException";
        }
        throw new AssertionError("unexpected exception", e);
    }

    /** Asserts that one path (not following a final symlink) looks the same in {@code fs}. */
    void assertPath(Dusk fs, String path, String context) throws IOException {
        MNode n;
        try {
            n = resolve(path, false);
        } catch (Outcome o) {
            try {
                fs.lstat(path);
                throw new AssertionError(context + ": " + path + " exists but the model says " + o.name);
            } catch (IOException e) {
                assertEquals(o.name, outcomeOf(e), context + ": lstat " + path);
                return;
            }
        }
        FileStat st = fs.lstat(path);
        assertEquals(n.type, st.type(), context + ": type of " + path);
        if (n.type == FileType.FILE) {
            assertEquals(n.nlink, st.links(), context + ": links of " + path);
            assertEquals(n.data.length, st.size(), context + ": size of " + path);
        } else if (n.type == FileType.DIRECTORY) {
            assertEquals(n.children.size(), st.size(), context + ": entries of " + path);
        }
    }

    /** Asserts that {@code fs} holds exactly this tree. */
    void assertSame(Dusk fs, String context) throws IOException {
        compare(fs, root, "/", context);
    }

    private void compare(Dusk fs, MNode dir, String path, String context) throws IOException {
        List<String> names = fs.readdir(path);
        assertEquals(new ArrayList<>(dir.children.keySet()), names, context + ": names in " + path);
        assertEquals(dir.nlink, fs.stat(path).links(), context + ": links of " + path);
        for (Map.Entry<String, MNode> e : dir.children.entrySet()) {
            String p = (path.equals("/") ? "/" : path + "/") + e.getKey();
            MNode n = e.getValue();
            FileStat st = fs.lstat(p);
            assertEquals(n.type, st.type(), context + ": type of " + p);
            switch (n.type) {
                case DIRECTORY -> compare(fs, n, p, context);
                case SYMLINK -> assertEquals(n.target, fs.readlink(p), context + ": target of " + p);
                default -> {
                    assertEquals(n.nlink, st.links(), context + ": links of " + p);
                    assertEquals(n.data.length, st.size(), context + ": size of " + p);
                    assertArrayEquals(n.data, fs.readFile(p), context + ": content of " + p);
                }
            }
        }
    }

    /** Random operations over a small set of names, so that they collide often. */
    static final class Workload {
        private static final String[] DIRS = {"", "/d0", "/d1", "/d0/e0"};
        private static final String[] NAMES = {"f0", "f1", "f2", "d0", "d1", "e0", "s0"};
        private final Random random;
        private final int maxWrite;

        Workload(long seed, int maxWrite) {
            this.random = new Random(seed);
            this.maxWrite = maxWrite;
        }

        String path() {
            return DIRS[random.nextInt(DIRS.length)] + "/" + NAMES[random.nextInt(NAMES.length)];
        }

        byte[] bytes() {
            byte[] b = new byte[1 + random.nextInt(maxWrite)];
            random.nextBytes(b);
            return b;
        }

        /** Applies one random operation to both; returns a description. */
        String step(Dusk fs, FsModel model) throws IOException {
            int op = random.nextInt(100);
            String p = path();
            String q = path();
            String expected = "?";
            String actual = "ok";
            String what = "?";
            try {
                if (op < 18) {
                    what = "create " + p;
                    expected = model.create(p, FileType.FILE, null);
                    fs.create(p).close();
                } else if (op < 40) {
                    long pos = random.nextInt(3) == 0 ? random.nextInt(maxWrite * 4) : 0;
                    byte[] b = bytes();
                    what = "write " + p + " @" + pos + " +" + b.length;
                    expected = model.write(p, pos, b);
                    try (DuskFile f = fs.open(p)) {
                        f.write(pos, ByteBuffer.wrap(b));
                    }
                } else if (op < 48) {
                    byte[] b = bytes();
                    what = "append " + p + " +" + b.length;
                    expected = model.append(p, b);
                    try (DuskFile f = fs.open(p)) {
                        f.append(ByteBuffer.wrap(b));
                    }
                } else if (op < 56) {
                    int size = random.nextInt(maxWrite * 2);
                    what = "truncate " + p + " " + size;
                    expected = model.truncate(p, size);
                    try (DuskFile f = fs.open(p)) {
                        f.truncate(size);
                    }
                } else if (op < 64) {
                    what = "mkdir " + p;
                    expected = model.create(p, FileType.DIRECTORY, null);
                    fs.mkdir(p);
                } else if (op < 70) {
                    what = "rmdir " + p;
                    expected = model.rmdir(p);
                    fs.rmdir(p);
                } else if (op < 80) {
                    what = "unlink " + p;
                    expected = model.unlink(p);
                    fs.unlink(p);
                } else if (op < 90) {
                    what = "rename " + p + " " + q;
                    expected = model.rename(p, q);
                    fs.rename(p, q);
                } else if (op < 95) {
                    what = "link " + p + " " + q;
                    expected = model.link(p, q);
                    fs.link(p, q);
                } else {
                    String target = path();
                    what = "symlink " + target + " " + p;
                    expected = model.create(p, FileType.SYMLINK, target);
                    fs.symlink(target, p);
                }
            } catch (IOException e) {
                actual = outcomeOf(e);
            }
            assertEquals(expected, actual, what);
            model.assertPath(fs, p, what);
            model.assertPath(fs, q, what);
            return what + " -> " + actual;
        }
    }
}
