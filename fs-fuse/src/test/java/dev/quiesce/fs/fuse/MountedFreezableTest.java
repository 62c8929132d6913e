package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.TargetFrozenException;
import dev.quiesce.spi.ThawResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The control channel beyond the kit: found from the mount point, heartbeats, holds that end with their owner. */
@Timeout(120)
class MountedFreezableTest {
    @TempDir
    Path tmp;
    Path image;
    Path mnt;
    FuseMount mount;
    ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void mountFresh() throws Exception {
        Shell.assumeFuse();
        image = tmp.resolve("disk.img");
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        mount = FreshImages.formatAndMount(image, 8192, mnt);
    }

    @AfterEach
    void unmount() throws Exception {
        pool.shutdownNow();
        FreshImages.close(mount, mnt);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 20 s");
            }
            Thread.sleep(10);
        }
    }

    private Future<String> writeInBackground(String name) {
        return pool.submit(() -> Shell.ok(mnt, 60, "echo " + name + " > " + name + " && cat " + name));
    }

    private static boolean stillWaiting(Future<?> f) throws Exception {
        try {
            f.get(300, TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return true;
        }
    }

    @Test
    void freezeThroughTheMountPointBlocksWritersUntilThaw() throws Exception {
        MountedFreezable target = MountedFreezable.of(mnt);
        assertEquals(FuseMount.controlSocketFor(image), target.socket());
        Shell.ok(mnt, 10, "echo before > r");
        try (FreezeHandle h = target.freeze(FreezeRequest.of("test"))) {
            assertEquals(FreezeState.FROZEN, target.state());
            assertTrue(h.blockUsage().isPresent(), "the mount reports its block usage");
            assertEquals(8192, h.blockUsage().get().blockCount());
            Future<String> w = writeInBackground("during");
            assertTrue(stillWaiting(w), "a write went through while frozen");
            assertEquals("before\n", Shell.ok(mnt, 10, "cat r"), "reads go on while frozen (F10)");
            assertThrows(TargetFrozenException.class, target::unmount, "unmount while frozen (F13)");
            assertThrows(TargetFrozenException.class, mount::close, "close while frozen (F13)");
            assertEquals(ThawResult.THAWED, h.thaw());
            assertEquals("during\n", w.get(30, TimeUnit.SECONDS));
        }
        assertEquals(FreezeState.THAWED, target.state());
    }

    @Test
    void heartbeatKeepsTheHoldAndSilenceLetsItLapse() throws Exception {
        MountedFreezable target = MountedFreezable.of(mnt);
        FreezeHandle h = target.freeze(FreezeRequest.of("beat").withLease(Duration.ofMillis(600)));
        for (int i = 0; i < 15; i++) {
            Thread.sleep(100);
            h.renew();
        }
        assertTrue(h.isHeld() && !h.lapsed(), "renewed every 100 ms for 1.5 s, a 600 ms lease lapsed");
        await(h::lapsed, "the lease lapsing without heartbeats");
        assertEquals(FreezeState.THAWED, target.state());
        assertEquals(ThawResult.LAPSED, h.thaw());
    }

    @Test
    void holdEndsWhenItsConnectionDrops() throws Exception {
        try (ControlClient raw = ControlClient.connect(mount.controlSocket())) {
            ControlProtocol.Frame f = raw.call(ControlProtocol.FREEZE, ControlProtocol.freeze("raw",
                    Duration.ofMinutes(10), Duration.ofSeconds(30), -1), Duration.ofSeconds(60));
            assertEquals(ControlProtocol.FROZEN, f.type());
            assertEquals(FreezeState.FROZEN, MountedFreezable.of(mnt).state());
        }
        MountedFreezable target = MountedFreezable.of(mnt);
        await(() -> target.state() == FreezeState.THAWED, "thaw after the connection closed");
    }

    @Test
    void holdEndsWhenItsProcessIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FreezeHolderProcess.class.getName(), mnt.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        if (l.startsWith(FreezeHolderProcess.FROZEN)) {
                            return l;
                        }
                    }
                    return "ended";
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
            assertEquals("FROZEN true", line);
            Future<String> w = writeInBackground("blocked");
            assertTrue(stillWaiting(w), "a write went through while another process held the freeze");
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals("blocked\n", w.get(30, TimeUnit.SECONDS), "the writer after the holder died");
            assertEquals(FreezeState.THAWED, MountedFreezable.of(mnt).state());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void writeFromTheHoldingThreadFailsFast() throws Exception {
        MountedFreezable target = MountedFreezable.of(mnt);
        Shell.ok(mnt, 10, "echo x > f");
        try (FreezeHandle h = target.freeze(FreezeRequest.of("self"))) {
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> Files.writeString(mnt.resolve("f"), "mine", java.nio.file.StandardOpenOption.WRITE));
            assertTrue(String.valueOf(e.getMessage()).contains("Resource deadlock avoided"), e.toString());
            assertTrue(h.isHeld());
        }
        assertFalse(Files.readString(mnt.resolve("f")).contains("mine"));
    }
}
