package dev.quiesce.benchmarks.dmsnap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same first-write workload against a qcow2 overlay on a raw base, written by one
 * {@code qemu-io} process (Debian qemu-utils): one {@code write -q} command per 4 KiB
 * write and a final {@code flush}, fed through its standard input (65536 commands do
 * not fit on a command line). The process's start-up and open, timed with a run that
 * only flushes, is subtracted.
 */
final class Qcow2 {
    private static final long TIMEOUT_SECONDS = 600;
    private final String qemuIo;
    private final String qemuImg;

    private Qcow2(String qemuIo, String qemuImg) {
        this.qemuIo = qemuIo;
        this.qemuImg = qemuImg;
    }

    /** The tools, or null when either is missing. */
    static Qcow2 find() {
        String io = onPath("qemu-io");
        String img = onPath("qemu-img");
        return io == null || img == null ? null : new Qcow2(io, img);
    }

    private static String onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Writes per second of first writes at {@code positions} (4 KiB blocks) into a fresh overlay on {@code base}. */
    double firstWrites(Path dir, Path base, long baseBytes, long[] positions) throws IOException, InterruptedException {
        Path overlay = dir.resolve("overlay-" + System.nanoTime() + ".qcow2");
        try {
            makeOverlay(base, overlay);
            double idle = seconds(commands(overlay, new long[0]));
            Files.delete(overlay);
            makeOverlay(base, overlay);
            double busy = seconds(commands(overlay, positions));
            return positions.length / Math.max(1e-6, busy - idle);
        } finally {
            Files.deleteIfExists(overlay);
        }
    }

    private void makeOverlay(Path base, Path overlay) throws IOException, InterruptedException {
        run(List.of(qemuImg, "create", "-q", "-f", "qcow2", "-b", base.toAbsolutePath().toString(), "-F", "raw",
                overlay.toString()));
    }

    private Script commands(Path overlay, long[] positions) {
        StringBuilder script = new StringBuilder(positions.length * 40);
        for (long p : positions) {
            script.append("write -q -P 0x5a ").append(p * 4096).append(" 4k\n");
        }
        script.append("flush\nquit\n");
        return new Script(List.of(qemuIo, "-f", "qcow2", overlay.toString()), script.toString());
    }

    private record Script(List<String> command, String stdin) {
    }

    private static double seconds(Script script) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        run(script.command(), script.stdin());
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        run(cmd, "");
    }

    /** Runs {@code cmd} with {@code stdin}; both ends are files, so the wait below is what bounds it. */
    private static void run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        Path in = Files.createTempFile("qemu-io", ".in");
        Path out = Files.createTempFile("qemu-io", ".out");
        try {
            Files.writeString(in, stdin, java.nio.charset.StandardCharsets.US_ASCII);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(in.toFile()).redirectOutput(out.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed with " + p.exitValue() + ": "
                        + Files.readString(out));
            }
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }
}
