package dev.quiesce.fs.fuse;

import dev.quiesce.core.host.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel has mounted ({@code /proc/self/mountinfo}) and the external unmount
 * commands, each bounded in time. A Dusk mount shows as type {@value #TYPE} with the
 * image path as its source (the {@code fsname} option).
 */
final class Mounts {
    static final String TYPE = "fuse.dusk";
    private static final long COMMAND_SECONDS = 20;

    private Mounts() {
    }

    /** One line of mountinfo: where, what type, from what source. */
    record Entry(Path mountPoint, String type, String source) {
        boolean isDusk() {
            return TYPE.equals(type);
        }
    }

    static List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (MountTable.Mount m : MountTable.read()) {
            out.add(new Entry(m.mountPoint(), m.type(), m.source()));
        }
        return out;
    }

    /** The mount at exactly {@code dir}, the last one if several are stacked. */
    static Optional<Entry> at(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Entry found = null;
        for (Entry e : all()) {
            if (e.mountPoint().equals(abs)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether {@code path} is a Unix-domain socket (and nothing else: a file there is not ours to delete). */
    static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether the Dusk mount at {@code dir} no longer has a live process behind it. A live
     * one always answers for its root; a dead one fails every call with ENOTCONN ("Transport
     * endpoint is not connected", in the system's language), so any failure means dead.
     */
    static boolean isDead(Path dir) {
        try {
            Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** {@code fusermount -u [-z] dir}, then {@code umount [-l] dir} if that failed. */
    static void unmount(Path dir, boolean lazy) throws IOException {
        String d = dir.toAbsolutePath().toString();
        String first = run(lazy ? List.of("fusermount", "-u", "-z", d) : List.of("fusermount", "-u", d));
        if (first == null) {
            return;
        }
        if (at(dir).isEmpty()) {
            return; // someone else (jnr-fuse's own shutdown hook, a user) unmounted it first
        }
        String second = run(lazy ? List.of("umount", "-l", d) : List.of("umount", d));
        if (second != null && at(dir).isPresent()) {
            throw new MountException(d, "cannot unmount: " + first + "; " + second);
        }
    }

    /** Runs a command; null on success, else what it said. */
    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish in " + COMMAND_SECONDS + " s";
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running " + String.join(" ", command));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + output;
    }
}
