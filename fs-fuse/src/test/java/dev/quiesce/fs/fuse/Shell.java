package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs shell commands for the tests, each bounded in time, and the FUSE availability check. */
final class Shell {
    private Shell() {
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Result(int exit, String output) {
    }

    static Result run(Path cwd, long timeoutSeconds, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", "set -o pipefail; " + script).directory(cwd.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(output lost: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(10_000);
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + script + "\n" + text(out[0]));
        }
        reader.join(10_000);
        return new Result(p.exitValue(), text(out[0]));
    }

    private static String text(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }

    /** Runs and asserts exit code 0, returning the output. */
    static String ok(Path cwd, long timeoutSeconds, String script) throws IOException, InterruptedException {
        Result r = run(cwd, timeoutSeconds, script);
        assertEquals(0, r.exit(), "exit code of: " + script + "\n" + r.output());
        return r.output();
    }

    /** Skips the calling test, printing why, when this machine cannot mount FUSE. */
    static void assumeFuse() {
        String reason = null;
        if (!Files.exists(Path.of("/dev/fuse"))) {
            reason = "no /dev/fuse on this machine";
        } else if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2"))
                && !Files.exists(Path.of("/lib/x86_64-linux-gnu/libfuse.so.2"))
                && !Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libfuse.so.2"))) {
            reason = "libfuse.so.2 is not installed (apt-get install libfuse2)";
        } else if (!Files.isExecutable(Path.of("/usr/bin/fusermount")) && !Files.isExecutable(Path.of("/bin/fusermount"))) {
            reason = "fusermount is not installed (apt-get install fuse3)";
        }
        if (reason != null) {
            System.out.println("SKIPPED FUSE test: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
    }
}
