package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Test fixture: a real filesystem made on a loop device and mounted. Closing it always
 * thaws (a test may have failed while it was frozen), unmounts and detaches the loop.
 */
final class LoopFilesystem implements AutoCloseable {
    private final Path dir;
    private final Path image;
    private final String loop;
    private final Path mountPoint;
    private final String type;

    private LoopFilesystem(Path dir, Path image, String loop, Path mountPoint, String type) {
        this.dir = dir;
        this.image = image;
        this.loop = loop;
        this.mountPoint = mountPoint;
        this.type = type;
    }

    /** Skips the calling test (with the reason) where a real filesystem cannot be made. */
    static void assumeAvailable(String type) {
        assumeTrue(Commands.isRoot(), "needs root to attach loop devices and mount (not root)");
        assumeTrue(Files.exists(Path.of("/dev/loop-control")), "needs loop devices (no /dev/loop-control)");
        assumeTrue(Commands.installed("mkfs." + type), "needs mkfs." + type + " (run .ci/setup.d/plugin-lvm.sh)");
        assumeTrue(Commands.installed("fsfreeze"), "needs util-linux fsfreeze");
    }

    static LoopFilesystem create(String type, long megabytes) throws IOException, InterruptedException {
        assumeAvailable(type);
        Path dir = Files.createTempDirectory("quiesce-loopfs-");
        Path image = dir.resolve("image");
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
        try (var channel = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.allocate(1), megabytes * 1024 * 1024 - 1);
        }
        String loop = Commands.check("losetup", "--find", "--show", image.toString());
        LoopFilesystem fs = new LoopFilesystem(dir, image, loop, mountPoint, type);
        try {
            switch (type) {
                case "ext4" -> Commands.check("mkfs.ext4", "-q", "-F", loop);
                case "xfs" -> Commands.check("mkfs.xfs", "-q", "-f", loop);
                case "btrfs" -> Commands.check("mkfs.btrfs", "-q", "-f", loop);
                default -> throw new IllegalArgumentException("no mkfs for " + type);
            }
            Commands.check("mount", "-t", type, loop, mountPoint.toString());
            return fs;
        } catch (IOException | InterruptedException | RuntimeException e) {
            fs.close();
            throw e;
        }
    }

    Path mountPoint() {
        return mountPoint;
    }

    String type() {
        return type;
    }

    /**
     * Whether the kernel holds the filesystem frozen, asked without blocking: FIFREEZE on
     * a frozen filesystem answers EBUSY; on a thawed one it succeeds and is undone at once.
     */
    boolean kernelFrozen() throws IOException, InterruptedException {
        Commands.Result probe = Commands.run("fsfreeze", "-f", mountPoint.toString());
        if (probe.ok()) {
            Commands.check("fsfreeze", "-u", mountPoint.toString());
            return false;
        }
        if (probe.output().contains("Device or resource busy")) {
            return true;
        }
        throw new IOException("fsfreeze probe of " + mountPoint + " failed: " + probe.output());
    }

    /** Polls until the kernel thawed it or {@code within} passed; true if thawed. */
    boolean awaitThawed(Duration within) throws IOException, InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (!kernelFrozen()) {
                return true;
            }
            Thread.sleep(100);
        }
        return !kernelFrozen();
    }

    @Override
    public void close() throws IOException {
        try {
            release();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while releasing " + this);
        }
    }

    private void release() throws IOException, InterruptedException {
        Commands.run("fsfreeze", "-u", mountPoint.toString());
        Commands.Result umount = Commands.run("umount", mountPoint.toString());
        if (!umount.ok()) {
            Commands.run("umount", "-l", mountPoint.toString());
        }
        Commands.run("losetup", "-d", loop);
        Files.deleteIfExists(image);
        Files.deleteIfExists(mountPoint);
        Files.deleteIfExists(dir);
    }

    @Override
    public String toString() {
        return type + " on " + loop + " at " + mountPoint;
    }
}
