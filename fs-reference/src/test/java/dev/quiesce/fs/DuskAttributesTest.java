package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.CrashPlan;
import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.CrashState;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.TargetFrozenException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Dusk#chmod} and {@link Dusk#setTimes}: inode changes like any other. */
class DuskAttributesTest {
    private static final long JAN_2001 = 978_307_200_000L;

    @Test
    void modeAndModificationTimeSurviveRemountAndTheChangeTimeMoves() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.mkdir("/d");
            fs.writeFile("/d/f", new byte[] {1, 2, 3});
            FileStat before = fs.stat("/d/f");
            fs.chmod("/d/f", 04600);
            fs.chmod("/d", 01777);
            fs.setTimes("/d/f", JAN_2001 + 123, true);
            FileStat after = fs.stat("/d/f");
            assertEquals(04600, after.mode());
            assertEquals(JAN_2001 + 123, after.modifiedMillis());
            assertTrue(after.changedMillis() >= before.changedMillis(), after + " vs " + before);
            assertEquals(3, after.size());
        }
        DuskBasicTest.assertClean(dev);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            assertEquals(04600, fs.stat("/d/f").mode());
            assertEquals(JAN_2001 + 123, fs.stat("/d/f").modifiedMillis());
            assertEquals(01777, fs.stat("/d").mode());
            assertTrue(fs.stat("/d").isDirectory());
        }
    }

    @Test
    void createAndMkdirTakeTheirModeInTheSameChange() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.mkdir("/private", 0700);
            fs.create("/private/key", 0600).close();
            fs.create("/plain").close();
            assertThrows(IllegalArgumentException.class, () -> fs.mkdir("/bad", 040755));
            assertThrows(IllegalArgumentException.class, () -> fs.create("/bad", 0100644));
            assertTrue(fs.lookup("/bad").isEmpty());
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            assertEquals(0700, fs.stat("/private").mode());
            assertEquals(0600, fs.stat("/private/key").mode());
            assertEquals(0644, fs.stat("/plain").mode());
        }
        DuskBasicTest.assertClean(dev);
    }

    @Test
    void chmodFollowsSymlinksAndSetTimesCanChangeTheLinkItself() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/target", new byte[10]);
            fs.symlink("/target", "/link");
            fs.setTimes("/target", JAN_2001, true);
            fs.chmod("/link", 0640);
            assertEquals(0640, fs.stat("/target").mode());
            assertEquals(0777, fs.lstat("/link").mode());

            fs.setTimes("/link", JAN_2001 + 5000, false);
            assertEquals(JAN_2001 + 5000, fs.lstat("/link").modifiedMillis());
            assertEquals(JAN_2001, fs.stat("/target").modifiedMillis());

            fs.setTimes("/link", JAN_2001 + 9000, true);
            assertEquals(JAN_2001 + 9000, fs.stat("/target").modifiedMillis());
            assertEquals(JAN_2001 + 5000, fs.lstat("/link").modifiedMillis());
        }
        DuskBasicTest.assertClean(dev);
    }

    @Test
    void badInputIsRefusedAndChangesNothing() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/f", new byte[1]);
            fs.setTimes("/f", JAN_2001, true);
            FileStat before = fs.stat("/f");
            assertThrows(IllegalArgumentException.class, () -> fs.chmod("/f", 0100644));
            assertThrows(IllegalArgumentException.class, () -> fs.setTimes("/f", -1, true));
            assertThrows(NoSuchFileException.class, () -> fs.chmod("/missing", 0600));
            assertThrows(NoSuchFileException.class, () -> fs.setTimes("/missing", JAN_2001, true));
            assertEquals(before, fs.stat("/f"));
        }
    }

    @Test
    void aReadOnlyMountRefusesBoth() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/f", new byte[1]);
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            int mode = fs.stat("/f").mode();
            assertThrows(ReadOnlyMountException.class, () -> fs.chmod("/f", 0600));
            assertThrows(ReadOnlyMountException.class, () -> fs.setTimes("/f", JAN_2001, true));
            assertEquals(mode, fs.stat("/f").mode());
        }
    }

    @Test
    void whileFrozenTheFreezingThreadIsRefusedAndOthersWaitForTheThaw() throws Exception {
        MemoryBlockDevice dev = DuskBasicTest.device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/f", new byte[1]);
            fs.chmod("/f", 0644);
            CompletableFuture<Void> other;
            try (FreezeHandle h = fs.freeze(FreezeRequest.of("attrs"))) {
                assertThrows(TargetFrozenException.class, () -> fs.chmod("/f", 0600));
                assertThrows(TargetFrozenException.class, () -> fs.setTimes("/f", JAN_2001, true));
                Thread[] worker = new Thread[1];
                other = CompletableFuture.runAsync(() -> {
                    worker[0] = Thread.currentThread();
                    try {
                        fs.chmod("/f", 0600);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                awaitBlocked(worker);
                assertEquals(0644, fs.stat("/f").mode(), "a change went through while frozen");
                assertTrue(!other.isDone());
            }
            other.get(30, TimeUnit.SECONDS);
            assertEquals(0600, fs.stat("/f").mode());
        }
        DuskBasicTest.assertClean(dev);
    }

    /** Waits (bounded) until the worker is parked, i.e. waiting at the delta gate. */
    private static void awaitBlocked(Thread[] worker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Thread t = worker[0];
            if (t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)) {
                return;
            }
            Thread.sleep(5);
        }
        fail("the change never started waiting");
    }

    @Test
    void everyCrashImageHoldsTheAttributesEitherAsBeforeOrAsSynced() throws Exception {
        MemoryBlockDevice formatted = new MemoryBlockDevice("crash", 512, 2048);
        Dusk.format(formatted);
        CrashSimulatingBlockDevice dev = CrashSimulatingBlockDevice.copyOf("crash", formatted);
        int durable;
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)))) {
            fs.writeFile("/f", new byte[700]);
            fs.chmod("/f", 0644);
            fs.setTimes("/f", JAN_2001, true);
            fs.sync();
            fs.chmod("/f", 0400);
            fs.setTimes("/f", JAN_2001 + 86_400_000L, true);
            fs.sync();
            durable = dev.flushCount();
        }
        int checked = 0;
        int changed = 0;
        for (CrashState state : dev.crashStates(CrashPlan.everyFlush(8L, 20).torn(512))) {
            MemoryBlockDevice image = state.image();
            FsckReport report = Dusk.fsck(image);
            if (!report.isClean()) {
                fail(state.describe() + ": fsck: " + report);
            }
            try (Dusk fs = Dusk.mount(image, DuskOptions.defaults().withReadOnly(true))) {
                if (fs.lookup("/f").isEmpty()) {
                    assertTrue(state.epoch() < durable, state.describe() + ": /f lost after its sync");
                    continue;
                }
                FileStat s = fs.stat("/f");
                boolean synced = s.mode() == 0400 && s.modifiedMillis() == JAN_2001 + 86_400_000L;
                boolean earlier = s.modifiedMillis() != JAN_2001 + 86_400_000L && s.mode() != 0400;
                assertTrue(synced || earlier, state.describe() + ": half the change survived: " + s);
                if (state.epoch() >= durable) {
                    assertTrue(synced, state.describe() + ": the synced change is lost: " + s);
                }
                changed += synced ? 1 : 0;
            }
            checked++;
        }
        // Images on both sides of the second sync, or the check above proved nothing.
        assertTrue(changed > 0 && changed < checked, checked + " crash images, " + changed + " with the change");
    }
}
