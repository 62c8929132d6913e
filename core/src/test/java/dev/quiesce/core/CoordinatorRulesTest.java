package dev.quiesce.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One test per coordinator rule of SPEC.md, named after it (C1-C8). */
class CoordinatorRulesTest {
    private static final int ITERATIONS = Integer.getInteger("quiesce.stress.iterations", 10_000);

    private final Journal journal = new Journal();
    private final ScriptedProvider provider = new ScriptedProvider(journal);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static SnapshotRequest request(String name) {
        return SnapshotRequest.of(name, SnapshotSource.of("source-" + name, new MemoryBlockDevice(512, 8)));
    }

    private JournalingFreezable target(String name) {
        return new JournalingFreezable(name, journal);
    }

    @Test
    void C1_prepareBeforeFreezeCutUnderItCompleteAfterThaw() throws Exception {
        JournalingFreezable fs = target("fs");
        SnapshotResult r = ConsistentSnapshot.of(fs, provider, request("s")).take();
        assertEquals(List.of("prepare s", "freeze fs", "cut s", "thaw fs", "complete s"), journal.entries());
        assertTrue(r.snapshot().isReady());
        assertEquals(1, provider.cutsWithUsage.get(), "the freeze's block usage reaches a provider that uses it");
    }

    @Test
    void C2_thawedExactlyOnceOnEveryPath() throws Exception {
        JournalingFreezable fs = target("fs");
        int rounds = Math.max(100, ITERATIONS / 10);
        for (int i = 0; i < rounds; i++) {
            ConsistentSnapshot.of(fs, provider, request("ok")).take();
        }
        provider.failCut.add("bad");
        for (int i = 0; i < rounds; i++) {
            assertThrows(SnapshotException.class, () -> ConsistentSnapshot.of(fs, provider, request("bad")).take());
        }
        provider.hangCut.add("slow");
        for (int i = 0; i < 20; i++) {
            assertThrows(FreezeWindowExceededException.class, () -> ConsistentSnapshot.of(fs, provider,
                    request("slow")).freezeWindow(Duration.ofMillis(5)).take());
        }
        for (int i = 0; i < 20; i++) {
            CountDownLatch cutting = new CountDownLatch(1);
            Future<Object> caller = pool.submit(() -> {
                cutting.countDown();
                return ConsistentSnapshot.of(fs, provider, request("slow")).take();
            });
            cutting.await();
            while (fs.state() != FreezeState.FROZEN) {
                Thread.onSpinWait();
            }
            caller.cancel(true);
            awaitThawed(fs);
        }
        awaitThawed(fs);
        int runs = 2 * rounds + 40;
        assertEquals(runs, fs.freezes.get(), "real freezes");
        assertEquals(runs, fs.thaws.get(), "real thaws: exactly one per freeze on every path");
        assertEquals(rounds + 40, provider.aborts.get(), "every failed run aborted its snapshot");
    }

    private static void awaitThawed(JournalingFreezable fs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((fs.state() != FreezeState.THAWED || fs.thaws.get() != fs.freezes.get())
                && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(FreezeState.THAWED, fs.state());
    }

    @Test
    void C3_overrunningCutIsAbandonedThawedAbortedAndReported() throws Exception {
        JournalingFreezable fs = target("fs");
        provider.hangCut.add("stuck");
        FreezeWindowExceededException e = assertThrows(FreezeWindowExceededException.class,
                () -> ConsistentSnapshot.of(fs, provider, request("stuck")).freezeWindow(Duration.ofMillis(100)).take());
        assertEquals(Duration.ofMillis(100), e.budget());
        assertTrue(e.elapsed().compareTo(e.budget()) >= 0, "abandoned at " + e.elapsed());
        assertTrue(e.targets().contains("fs"));
        assertEquals(FreezeState.THAWED, fs.state());
        assertEquals(1, fs.thaws.get());
        assertEquals(1, provider.aborts.get());
        assertEquals(0, provider.completes.get(), "an abandoned cut must never complete");
        assertEquals(SnapshotSet.DEFAULT_FREEZE_WINDOW, Duration.ofSeconds(10));
    }

    @Test
    void C4_everyWindowIsMeasuredReturnedAndRecordedAsJfrEvent() throws Exception {
        JournalingFreezable fs = target("fs-jfr");
        provider.cutMillis = 20;
        List<RecordedEvent> events = new ArrayList<>();
        CountDownLatch seen = new CountDownLatch(2);
        SnapshotResult result;
        try (RecordingStream stream = new RecordingStream()) {
            stream.enable("dev.quiesce.FreezeWindow");
            stream.onEvent("dev.quiesce.FreezeWindow", e -> {
                synchronized (events) {
                    events.add(e);
                }
                seen.countDown();
            });
            stream.startAsync();
            result = ConsistentSnapshot.of(fs, provider, request("jfr")).take();
            provider.failCut.add("jfr-fail");
            assertThrows(SnapshotException.class, () -> ConsistentSnapshot.of(fs, provider, request("jfr-fail")).take());
            assertTrue(seen.await(30, TimeUnit.SECONDS), "no FreezeWindow event arrived");
        }
        assertTrue(result.freezeWindow().compareTo(result.cutting()) >= 0, result.toString());
        assertTrue(result.cutting().toMillis() >= 20, result.toString());
        synchronized (events) {
            RecordedEvent ok = events.get(0);
            assertEquals("fs-jfr", ok.getString("targets"));
            assertEquals("completed", ok.getString("outcome"));
            assertEquals(Duration.ofSeconds(10).toNanos(), ok.getLong("budget"));
            assertTrue(ok.getDuration().toMillis() >= 20, "event duration " + ok.getDuration());
            assertTrue(events.get(1).getString("outcome").startsWith("SnapshotException"));
        }
    }

    @Test
    void C5_leaseIsRenewedWhileCuttingAndALapseFailsLoudly() throws Exception {
        JournalingFreezable fs = target("fs");
        provider.cutMillis = 5_000;
        SnapshotResult r = ConsistentSnapshot.of(fs, provider, request("renewed")).lease(Duration.ofMillis(2_000)).take();
        assertTrue(r.snapshot().isReady(), "a cut two and a half leases long succeeds when the lease is renewed");
        provider.cutMillis = 300;
        JournalingFreezable deaf = target("deaf");
        deaf.ignoreRenew = true;
        assertThrows(LeaseLapsedException.class, () -> ConsistentSnapshot.of(deaf, provider, request("lapsed"))
                .lease(Duration.ofMillis(60)).take());
        assertEquals(1, provider.aborts.get(), "the snapshot cut after a lapse is discarded");
        assertEquals(1, journal.count("complete renewed"));
        assertEquals(0, journal.count("complete lapsed"), "a lapsed run must never complete its snapshot");
        assertEquals(FreezeState.THAWED, deaf.state());
    }

    @Test
    void C6_setFreezesAllCutsAllThenThawsInReverse() throws Exception {
        SnapshotSetResult r = SnapshotSet.builder()
                .member(target("a"), provider, request("sa"))
                .member(target("b"), provider, request("sb"))
                .member(target("c"), provider, request("sc"))
                .take();
        assertEquals(List.of("prepare sa", "prepare sb", "prepare sc", "freeze a", "freeze b", "freeze c",
                "cut sa", "cut sb", "cut sc", "thaw c", "thaw b", "thaw a", "complete sa", "complete sb",
                "complete sc"), journal.entries());
        assertEquals(3, r.snapshots().size());
    }

    @Test
    void C7_anyFailureInASetAbortsEveryCutAndThawsEveryTarget() throws Exception {
        List<JournalingFreezable> targets = List.of(target("a"), target("b"), target("c"));
        String[] failures = {"prepare", "freeze", "cut", "complete"};
        for (String step : failures) {
            int abortsBefore = provider.aborts.get();
            String name = "s-" + step;
            switch (step) {
                case "prepare" -> provider.failPrepare.add(name + "-1");
                case "freeze" -> targets.get(2).failFreeze = true;
                case "cut" -> provider.failCut.add(name + "-1");
                default -> provider.failComplete.add(name + "-2");
            }
            SnapshotSet.Builder set = SnapshotSet.builder();
            for (int i = 0; i < 3; i++) {
                set.member(targets.get(i), provider, request(name + "-" + i));
            }
            assertThrows(QuiesceException.class, set::take, "failure at " + step);
            targets.get(2).failFreeze = false;
            for (JournalingFreezable t : targets) {
                assertEquals(FreezeState.THAWED, t.state(), step + ": " + t.name());
                assertEquals(t.freezes.get(), t.thaws.get(), step + ": " + t.name() + " thawed once per freeze");
            }
            int prepared = step.equals("prepare") ? 1 : 3;
            assertEquals(prepared, provider.aborts.get() - abortsBefore, step + ": every prepared snapshot aborted");
        }
        FreezeException refused = assertThrows(FreezeException.class, () -> {
            targets.get(1).failFreeze = true;
            SnapshotSet.builder().member(targets.get(0), provider, request("x0"))
                    .member(targets.get(1), provider, request("x1")).take();
        });
        assertEquals("b", refused.target());
        assertEquals(journal.lastIndexOf("abort x1") - 1, journal.lastIndexOf("thaw a"), "thaw first, then abort");
    }

    @Test
    void C8_noLogRecordFromTheFreezingThreadWhileFrozen() throws Exception {
        JournalingFreezable fs = target("fs");
        List<String> violations = new ArrayList<>();
        List<String> records = new ArrayList<>();
        System.Logger spy = new System.Logger() {
            @Override public String getName() { return "spy"; }
            @Override public boolean isLoggable(Level level) { return true; }

            @Override
            public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                record(msg);
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                record(format);
            }

            private synchronized void record(String msg) {
                records.add(msg);
                if (fs.frozenByCurrentThread()) {
                    violations.add(msg);
                }
            }
        };
        ConsistentSnapshot.of(fs, provider, request("quiet")).logger(spy).take();
        provider.failCut.add("loud");
        assertThrows(SnapshotException.class, () -> ConsistentSnapshot.of(fs, provider, request("loud")).logger(spy).take());
        provider.hangCut.add("late");
        assertThrows(FreezeWindowExceededException.class, () -> ConsistentSnapshot.of(fs, provider, request("late"))
                .freezeWindow(Duration.ofMillis(20)).logger(spy).take());
        assertTrue(records.size() >= 3, "the coordinator logs (after the thaw): " + records);
        assertEquals(List.of(), violations, "records written by the freezing thread while frozen");
    }

    /** The rule registry for C: SPEC.md's coordinator rules and this class's tests are the same set. */
    @Test
    void everyCoordinatorRuleInSpecHasExactlyOneTest() throws IOException {
        Path spec = Path.of("..", "spi", "SPEC.md");
        assertTrue(Files.exists(spec), "SPEC.md not found at " + spec.toAbsolutePath());
        Set<String> rules = new TreeSet<>();
        Matcher m = Pattern.compile("\\*\\*(C\\d+)\\*\\* (MUST|SHOULD)").matcher(Files.readString(spec));
        while (m.find()) {
            rules.add(m.group(1));
        }
        assertFalse(rules.isEmpty());
        List<String> tests = new ArrayList<>();
        for (Method method : getClass().getDeclaredMethods()) {
            if (method.isAnnotationPresent(Test.class) && method.getName().matches("C\\d+_.*")) {
                tests.add(method.getName().substring(0, method.getName().indexOf('_')));
            }
        }
        assertEquals(rules, new TreeSet<>(tests), "coordinator rules vs tests");
        assertEquals(rules.size(), tests.size(), "one test per rule: " + tests);
    }

    @Test
    void aMemberWithoutFreezableNeedsAProviderThatFreezesItself() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SnapshotSet.builder().member(null, provider, request("unfrozen")));
        assertTrue(e.getMessage().contains("Freezable"));
        assertThrows(IllegalStateException.class, () -> SnapshotSet.builder().take(), "an empty set");
    }
}
