package dev.quiesce.cli;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A small tmpfs for no-space tests (root only). */
final class Tmpfs {
    private Tmpfs() {
    }

    /** Mounts a tmpfs of {@code size} on {@code dir}; false if this process may not. */
    static boolean mount(Path dir, String size) throws Exception {
        return run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    }

    static void unmount(Path dir) throws Exception {
        run("umount", dir.toString());
    }

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
