package dev.quiesce.lvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's table of mounts, from {@code /proc/self/mountinfo}. Freezing is only ever
 * done on a path that is itself a mount point: FIFREEZE on any other path freezes the
 * filesystem that contains it, which might be the root filesystem.
 */
final class MountTable {

    /** One line of mountinfo: where, what type, from which source. */
    record Mount(Path mountPoint, String type, String source) { }

    private MountTable() {
    }

    static List<Mount> read() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            parse(line).ifPresent(mounts::add);
        }
        return mounts;
    }

    /** The mount whose mount point is exactly {@code path} (the last one if stacked). */
    static Optional<Mount> at(Path path) throws IOException {
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
    static Optional<Mount> parse(String line) {
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

    static String unescape(String field) {
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
