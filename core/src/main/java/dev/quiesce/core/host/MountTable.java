package dev.quiesce.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's table of mounts, from {@code /proc/self/mountinfo}: what a host freezer
 * checks before FIFREEZE (on a path that is not a mount point it would freeze whatever
 * filesystem contains it, maybe the root) and what a FUSE mount uses to find its own and
 * clear dead ones.
 */
public final class MountTable {

    /** One line of mountinfo: where, what type, from which source. */
    public record Mount(Path mountPoint, String type, String source) { }

    private MountTable() {
    }

    /** Every mount this process sees, in the kernel's order. */
    public static List<Mount> read() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            parse(line).ifPresent(mounts::add);
        }
        return mounts;
    }

    /** The mount whose mount point is exactly {@code path} (the last one if stacked). */
    public static Optional<Mount> at(Path path) throws IOException {
        Path wanted = path.toAbsolutePath().normalize();
        Mount found = null;
        for (Mount mount : read()) {
            if (mount.mountPoint().equals(wanted)) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Parses {@code id parent major:minor root mountpoint options [optional...] - type
     * source superoptions}; fields escape space, tab, newline and backslash as octal.
     */
    public static Optional<Mount> parse(String line) {
        String[] fields = line.split(" ");
        int dash = -1;
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (fields.length < 7 || dash < 0 || dash + 2 >= fields.length) {
            return Optional.empty();
        }
        return Optional.of(new Mount(Path.of(unescape(fields[4])), unescape(fields[dash + 1]),
                unescape(fields[dash + 2])));
    }

    /** Undoes mountinfo's octal escapes of space, tab, newline and backslash. */
    public static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
