package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeNotSupportedException;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.ThawResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host freeze on real ext4 and xfs filesystems on loop devices. Every write into a
 * frozen mount is made from a separate thread with a bounded wait: such a write blocks in
 * the kernel (D state) until the thaw, and the fixture always thaws on close.
 */
class MountedFilesystemTest {
    private static final Duration GENEROUS = Duration.ofSeconds(30);
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "frozen-mount-writer");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopWriters() {
        WRITERS.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void writesWaitWhileFrozenAndCompleteAfterThaw(String type) throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create(type, 300)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            assertEquals(type, fs.filesystemType());
            Path file = loop.mountPoint().resolve("data");
            Files.write(file, bytes(1, 4096));
            FreezeHandle handle = fs.freeze(FreezeRequest.of("test"));
            assertEquals(FreezeState.FROZEN, fs.state());
            assertTrue(loop.kernelFrozen(), "the kernel holds the freeze");
            assertEquals(4096, Files.readAllBytes(file).length, "reads go on while frozen (F10)");
            Future<?> writer = WRITERS.submit(() -> writeAndSync(file, bytes(2, 4096)));
            assertThrows(TimeoutException.class, () -> writer.get(700, TimeUnit.MILLISECONDS),
                    "a write into the frozen " + type + " must wait");
            assertEquals(ThawResult.THAWED, handle.thaw());
            writer.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertEquals(2, Files.readAllBytes(file)[0], "the waiting write completed after the thaw (F16)");
            assertFalse(loop.kernelFrozen());
            assertEquals(FreezeState.THAWED, fs.state());
            assertEquals(ThawResult.ALREADY_THAWED, handle.thaw(), "thaw is single-shot (F3)");
        }
    }

    @Test
    void severalHoldersShareTheKernelHoldUntilTheLastThaw() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            FreezeHandle first = fs.freeze(FreezeRequest.of("first"));
            FreezeHandle second = fs.freeze(FreezeRequest.of("second"));
            assertEquals(2, fs.holders());
            assertEquals(ThawResult.STILL_FROZEN, first.thaw());
            assertTrue(loop.kernelFrozen(), "one holder left: still frozen (F7)");
            assertEquals(ThawResult.THAWED, second.thaw());
            assertFalse(loop.kernelFrozen());
            FreezeHandle again = fs.freeze(FreezeRequest.of("again"));
            assertTrue(loop.kernelFrozen(), "a new freeze after the last thaw takes a new kernel hold");
            again.close();
            assertFalse(loop.kernelFrozen());
        }
    }

    @Test
    void aLapsedLeaseThawsTheKernel() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            FreezeHandle handle = fs.freeze(FreezeRequest.of("short").withLease(Duration.ofMillis(800)));
            assertTrue(loop.awaitThawed(GENEROUS), "the lease lapsed and the kernel thawed (F9)");
            assertTrue(handle.lapsed());
            assertEquals(ThawResult.LAPSED, handle.thaw());
            assertEquals(FreezeState.THAWED, fs.state());
        }
    }

    @Test
    void aKilledOwnerJvmLeavesTheFilesystemWritableWithinTheLease() throws Exception {
        Duration lease = Duration.ofSeconds(40);
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            Process child = startChild(loop.mountPoint(), lease);
            try {
                awaitFrozenLine(child);
                assertTrue(loop.kernelFrozen());
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                child.waitFor(GENEROUS.toSeconds(), TimeUnit.SECONDS);
                long killed = System.nanoTime();
                assertTrue(loop.awaitThawed(lease.minusSeconds(5)), "thawed within the lease after SIGKILL");
                Path file = loop.mountPoint().resolve("after-kill");
                CompletableFuture<Void> write = CompletableFuture.runAsync(() -> writeAndSync(file, bytes(3, 4096)), WRITERS);
                write.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
                assertTrue(System.nanoTime() - killed < lease.toNanos(), "writable again within the lease");
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void aHungOwnerJvmIsThawedWhenItsHeartbeatsStop() throws Exception {
        Duration lease = Duration.ofSeconds(1);
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            Process child = startChild(loop.mountPoint(), lease);
            try {
                awaitFrozenLine(child);
                assertTrue(loop.kernelFrozen());
                Commands.check("kill", "-STOP", Long.toString(child.pid()));
                assertTrue(loop.awaitThawed(GENEROUS),
                        "the watchdog thawed after lease + margin without heartbeats");
            } finally {
                Commands.run("kill", "-KILL", Long.toString(child.pid()));
                Commands.run("kill", "-CONT", Long.toString(child.pid()));
                child.destroyForcibly();
            }
        }
    }

    @Test
    void aKilledWatchdogIsReplacedByADirectThaw() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            FreezeHandle handle = fs.freeze(FreezeRequest.of("test"));
            long pid = fs.watchdogPid().orElseThrow();
            Commands.check("kill", "-KILL", Long.toString(pid));
            assertTrue(loop.awaitThawed(GENEROUS), "the JVM thawed itself when its watchdog died");
            handle.thaw();
            assertEquals(FreezeState.THAWED, fs.state());
        }
    }

    @Test
    void aFilesystemFrozenByAnotherProgramIsBusy() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            Commands.check("fsfreeze", "-f", loop.mountPoint().toString());
            FreezeException e = assertThrows(FreezeException.class, () -> fs.freeze(FreezeRequest.of("test")));
            KernelFreezeException kernel = assertInstanceOf(KernelFreezeException.class, e);
            assertEquals("EBUSY", kernel.errno());
            assertTrue(e.getMessage().contains("Device or resource busy"), e.getMessage());
            assertEquals(FreezeState.THAWED, fs.state());
            assertTrue(loop.kernelFrozen(), "the other program's hold is left alone");
            Commands.check("fsfreeze", "-u", loop.mountPoint().toString());
        }
    }

    @Test
    void aFilesystemThatCannotFreezeSaysSo() throws Exception {
        LoopFilesystem.assumeAvailable("ext4");
        Path dir = Files.createTempDirectory("quiesce-tmpfs-");
        Commands.check("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir.toString());
        try {
            MountedFilesystem fs = MountedFilesystem.at(dir);
            FreezeNotSupportedException e = assertThrows(FreezeNotSupportedException.class,
                    () -> fs.freeze(FreezeRequest.of("test")));
            assertEquals("EOPNOTSUPP", assertInstanceOf(KernelFreezeException.class, e.getCause()).errno());
            assertEquals(FreezeState.THAWED, fs.state());
        } finally {
            Commands.run("umount", dir.toString());
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aFuseMountAnswersEopnotsupp() throws Exception {
        LoopFilesystem.assumeAvailable("ext4");
        assumeTrue(Commands.installed("fuse2fs") && Files.exists(Path.of("/dev/fuse")),
                "needs fuse2fs and /dev/fuse (run .ci/setup.d/plugin-lvm.sh)");
        Path dir = Files.createTempDirectory("quiesce-fuse-");
        Path image = dir.resolve("image");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Commands.check("truncate", "-s", "16M", image.toString());
        Commands.check("mkfs.ext4", "-q", "-F", image.toString());
        Commands.check("fuse2fs", "-o", "fakeroot", image.toString(), mnt.toString());
        try {
            MountedFilesystem fs = MountedFilesystem.at(mnt);
            assertTrue(fs.filesystemType().startsWith("fuse"), fs.filesystemType());
            FreezeNotSupportedException e = assertThrows(FreezeNotSupportedException.class,
                    () -> fs.freeze(FreezeRequest.of("test")));
            assertEquals("EOPNOTSUPP", assertInstanceOf(KernelFreezeException.class, e.getCause()).errno());
        } finally {
            Commands.run("umount", mnt.toString());
            Files.deleteIfExists(image);
            Files.deleteIfExists(mnt);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void withoutPrivilegeTheKernelAnswersEperm() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            assumeTrue(Commands.installed("setpriv"), "needs util-linux setpriv to drop privileges");
            List<String> java = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"));
            java.addAll(MountedFilesystem.watchdogJava());
            MountedFilesystem fs = new MountedFilesystem(loop.mountPoint(), "ext4", "none", MountedFilesystem.findTool("fsfreeze"),
                    java);
            FreezeException e = assertThrows(FreezeException.class, () -> fs.freeze(FreezeRequest.of("test")));
            assertEquals("EPERM", assertInstanceOf(KernelFreezeException.class, e, e.toString()).errno());
            assertFalse(loop.kernelFrozen());
        }
    }

    @Test
    void aFreezeThatOverrunsItsTimeoutEndsThawed() throws Exception {
        try (LoopFilesystem loop = LoopFilesystem.create("ext4", 64)) {
            MountedFilesystem fs = MountedFilesystem.at(loop.mountPoint());
            // Starting the watchdog JVM alone takes longer than this.
            FreezeRequest hurried = FreezeRequest.of("hurried").withFreezeTimeout(Duration.ofMillis(1));
            assertThrows(FreezeTimeoutException.class, () -> fs.freeze(hurried));
            assertEquals(FreezeState.THAWED, fs.state());
            Thread.sleep(3000); // let an abandoned watchdog finish whatever it started
            assertTrue(loop.awaitThawed(GENEROUS), "left as it was (F5)");
            try (FreezeHandle handle = fs.freeze(FreezeRequest.of("after"))) {
                assertTrue(loop.kernelFrozen(), "a later freeze works");
                assertTrue(handle.isHeld());
            }
            assertFalse(loop.kernelFrozen());
        }
    }

    @Test
    void onlyMountPointsAreAccepted() throws Exception {
        Path dir = Files.createTempDirectory("quiesce-not-a-mount-");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MountedFilesystem.at(dir));
            assertTrue(e.getMessage().contains("not a mount point"), e.getMessage());
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private static Process startChild(Path mountPoint, Duration lease) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", TestClasspath.get(), FreezeChild.class.getName(), mountPoint.toString(),
                Long.toString(lease.toMillis())));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static void awaitFrozenLine(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Future<String> line = WRITERS.submit(() -> {
            StringBuilder all = new StringBuilder();
            String l;
            while ((l = out.readLine()) != null) {
                if (l.startsWith("FROZEN")) {
                    return l;
                }
                all.append(l).append('\n');
            }
            throw new IOException("child ended without freezing:\n" + all);
        });
        line.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
    }

    private static void writeAndSync(Path file, byte[] data) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(data), 0);
            channel.force(true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] bytes(int value, int size) {
        byte[] data = new byte[size];
        java.util.Arrays.fill(data, (byte) value);
        return data;
    }
}
