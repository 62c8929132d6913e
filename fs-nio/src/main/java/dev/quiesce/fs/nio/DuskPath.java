package dev.quiesce.fs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A path of a {@link DuskFileSystem}: an optional root and a list of names, '/'-separated.
 * Immutable; pure syntax except {@link #toRealPath}, which asks the filesystem.
 */
final class DuskPath implements Path {
    private final DuskFileSystem fs;
    private final boolean absolute;
    private final List<String> names;

    DuskPath(DuskFileSystem fs, boolean absolute, List<String> names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = List.copyOf(names);
    }

    /** Parses {@code first/more...}: empty names collapse, a leading '/' makes it absolute. */
    static DuskPath parse(DuskFileSystem fs, String first, String... more) {
        StringBuilder joined = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                joined.append('/').append(m);
            }
        }
        String s = joined.toString();
        if (s.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(s, "a path must not contain NUL");
        }
        List<String> parts = new ArrayList<>();
        for (String p : s.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return new DuskPath(fs, s.startsWith("/"), parts);
    }

    /** The absolute '/'-separated path string the Dusk API takes. */
    String duskPath() {
        DuskPath abs = (DuskPath) toAbsolutePath().normalize();
        return abs.names.isEmpty() ? "/" : "/" + String.join("/", abs.names);
    }

    static DuskPath of(Path p) {
        if (p == null) {
            throw new NullPointerException("path");
        }
        if (!(p instanceof DuskPath)) {
            throw new ProviderMismatchException("not a path of a Dusk filesystem: " + p + " (" + p.getClass().getName()
                    + ")");
        }
        return (DuskPath) p;
    }

    @Override
    public DuskFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public Path getRoot() {
        return absolute ? new DuskPath(fs, true, List.of()) : null;
    }

    @Override
    public Path getFileName() {
        return names.isEmpty() ? null : new DuskPath(fs, false, List.of(names.get(names.size() - 1)));
    }

    @Override
    public Path getParent() {
        if (names.isEmpty() || (names.size() == 1 && !absolute)) {
            return null;
        }
        return new DuskPath(fs, absolute, names.subList(0, names.size() - 1));
    }

    @Override
    public int getNameCount() {
        return names.size();
    }

    @Override
    public Path getName(int index) {
        if (index < 0 || index >= names.size()) {
            throw new IllegalArgumentException("no name " + index + " in " + this);
        }
        return new DuskPath(fs, false, List.of(names.get(index)));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        if (beginIndex < 0 || endIndex > names.size() || beginIndex >= endIndex) {
            throw new IllegalArgumentException("bad subpath [" + beginIndex + ", " + endIndex + ") of " + this);
        }
        return new DuskPath(fs, false, names.subList(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof DuskPath) || other.getFileSystem() != fs) {
            return false;
        }
        DuskPath o = (DuskPath) other;
        return o.absolute == absolute && o.names.size() <= names.size()
                && names.subList(0, o.names.size()).equals(o.names);
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof DuskPath) || other.getFileSystem() != fs) {
            return false;
        }
        DuskPath o = (DuskPath) other;
        if (o.absolute) {
            return equals(o);
        }
        return o.names.size() <= names.size() && names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
    }

    @Override
    public Path normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                    continue;
                }
                if (absolute) {
                    continue; // "/.." is "/"
                }
            }
            out.add(n);
        }
        return new DuskPath(fs, absolute, out);
    }

    @Override
    public Path resolve(Path other) {
        DuskPath o = of(other);
        if (o.absolute) {
            return o;
        }
        if (o.names.isEmpty()) {
            return this;
        }
        List<String> joined = new ArrayList<>(names);
        joined.addAll(o.names);
        return new DuskPath(fs, absolute, joined);
    }

    @Override
    public Path relativize(Path other) {
        DuskPath o = of(other);
        if (o.absolute != absolute) {
            throw new IllegalArgumentException("cannot relativize " + other + " against " + this
                    + ": one is absolute, the other not");
        }
        int common = 0;
        while (common < names.size() && common < o.names.size() && names.get(common).equals(o.names.get(common))) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < names.size(); i++) {
            out.add("..");
        }
        out.addAll(o.names.subList(common, o.names.size()));
        return new DuskPath(fs, false, out);
    }

    @Override
    public URI toUri() {
        return DuskFileSystemProvider.uriOf(fs.image(), duskPath());
    }

    @Override
    public Path toAbsolutePath() {
        return absolute ? this : new DuskPath(fs, true, names);
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return fs.realPath(this, options);
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("Dusk filesystems do not support watch services");
    }

    @Override
    public int compareTo(Path other) {
        return toString().compareTo(of(other).toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DuskPath && ((DuskPath) o).fs == fs && ((DuskPath) o).absolute == absolute
                && ((DuskPath) o).names.equals(names);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(fs), absolute, names);
    }

    @Override
    public String toString() {
        String body = String.join("/", names);
        return absolute ? "/" + body : body;
    }

    /** The names, in order. */
    List<String> names() {
        return names;
    }
}
