package dev.quiesce.filecopy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real filesystem (btrfs, xfs with reflink, ext4) made on a loop device over a sparse
 * image file and mounted in a temporary directory, for the tests that need what the host
 * kernel does. Where that is impossible (not root, no loop devices, no mkfs) the calling
 * test is skipped with the reason printed, never passed. {@link #close()} always
 * unmounts, detaches and deletes.
 */
final class LoopFilesystem implements AutoCloseable {
    private final Path image;
    private final String loopDevice;
    private final Path mountPoint;
    private final String type;

    private LoopFilesystem(Path image, String loopDevice, Path mountPoint, String type) {
        this.image = image;
        this.loopDevice = loopDevice;
        this.mountPoint = mountPoint;
        this.type = type;
    }

    /** Makes and mounts a {@code type} filesystem of {@code megabytes}; skips the test if this host cannot. */
    static LoopFilesystem mount(String type, int megabytes) throws IOException {
        skipUnless("root".equals(System.getProperty("user.name")), "loop mounts need root; running as "
                + System.getProperty("user.name"));
        List<String> mkfs = switch (type) {
            case "btrfs" -> List.of("mkfs.btrfs", "-q", "-f");
            case "xfs" -> List.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1");
            case "ext4" -> List.of("mkfs.ext4", "-q", "-F");
            default -> throw new IllegalArgumentException(type);
        };
        Path image = Files.createTempFile("quiesce-filecopy-" + type + "-", ".img");
        String loop = null;
        Path mountPoint = null;
        try {
            try (var file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                file.setLength((long) megabytes << 20);
            }
            Result attach = run(List.of("losetup", "--find", "--show", image.toString()));
            skipUnless(attach.ok(), "cannot attach a loop device: " + attach.output());
            loop = attach.output().strip();
            List<String> format = new ArrayList<>(mkfs);
            format.add(loop);
            Result made = run(format);
            skipUnless(made.ok(), "cannot make " + type + ": " + made.output());
            mountPoint = Files.createTempDirectory("quiesce-filecopy-mnt-" + type + "-");
            Result mounted = run(List.of("mount", loop, mountPoint.toString()));
            skipUnless(mounted.ok(), "cannot mount " + type + " from " + loop + ": " + mounted.output());
            return new LoopFilesystem(image, loop, mountPoint, type);
        } catch (IOException | RuntimeException | Error e) {
            cleanup(image, loop, mountPoint, false);
            throw e;
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("SKIPPED (real filesystem unavailable): " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }

    Path mountPoint() {
        return mountPoint;
    }

    String type() {
        return type;
    }

    @Override
    public void close() throws IOException {
        cleanup(image, loopDevice, mountPoint, true);
    }

    private static void cleanup(Path image, String loop, Path mountPoint, boolean mounted) throws IOException {
        if (mounted) {
            Result result = run(List.of("umount", mountPoint.toString()));
            if (!result.ok()) {
                result = run(List.of("umount", "-l", mountPoint.toString()));
            }
            if (!result.ok()) {
                throw new IOException("cannot unmount " + mountPoint + ": " + result.output());
            }
        }
        if (loop != null) {
            run(List.of("losetup", "-d", loop));
        }
        if (mountPoint != null) {
            Files.deleteIfExists(mountPoint);
        }
        Files.deleteIfExists(image);
    }

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs a command from an argument array with a 60 s bound. */
    static Result run(List<String> command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, command.get(0) + ": " + e.getMessage());
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(124, String.join(" ", command) + " timed out");
            }
            return new Result(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command, e);
        }
    }
}
