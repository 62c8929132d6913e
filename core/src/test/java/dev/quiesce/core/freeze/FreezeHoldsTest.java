package dev.quiesce.core.freeze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.ThawResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FreezeHoldsTest {
    private static final int ITERATIONS = Integer.getInteger("quiesce.stress.iterations", 10_000);
    private static final Duration LONG = Duration.ofMinutes(10);

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A target that counts real freezes and thaws, and can be made slow or failing. */
    static final class CountingTarget implements FreezeHolds.Target {
        final AtomicInteger freezes = new AtomicInteger();
        final AtomicInteger thaws = new AtomicInteger();
        volatile long freezeNanos;
        volatile CountDownLatch gate;
        volatile RuntimeException failure;
        volatile FreezeException freezeFailure;

        @Override
        public Optional<BlockUsage> freeze(Duration timeout) throws FreezeException, InterruptedException {
            if (gate != null && !gate.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new FreezeTimeoutException("counting", timeout);
            }
            if (freezeNanos > 0) {
                TimeUnit.NANOSECONDS.sleep(freezeNanos);
            }
            if (freezeFailure != null) {
                throw freezeFailure;
            }
            if (failure != null) {
                throw failure;
            }
            freezes.incrementAndGet();
            return Optional.of(BlockUsage.allUsed(512, 8));
        }

        @Override
        public void thaw() {
            thaws.incrementAndGet();
        }
    }

    private static FreezeRequest request(String holder, Duration lease) {
        return new FreezeRequest(holder, lease, Duration.ofSeconds(30));
    }

    @Test
    void severalHoldersShareOneRealFreezeAndTheLastReleaseThaws() throws Exception {
        CountingTarget target = new CountingTarget();
        FreezeHolds holds = new FreezeHolds("t", target);
        FreezeHandle a = holds.freeze(request("a", LONG));
        FreezeHandle b = holds.freeze(request("b", LONG));
        assertEquals(1, target.freezes.get());
        assertEquals(2, holds.holders());
        assertEquals(FreezeState.FROZEN, holds.state());
        assertEquals(ThawResult.STILL_FROZEN, a.thaw());
        assertEquals(0, target.thaws.get());
        assertEquals(ThawResult.THAWED, b.thaw());
        assertEquals(1, target.thaws.get());
        assertEquals(FreezeState.THAWED, holds.state());
        assertEquals(ThawResult.ALREADY_THAWED, a.thaw());
        assertTrue(a.blockUsage().isPresent(), "the usage the target reported reaches the handle");
    }

    @Test
    void racingThawsOfOneHandleReleaseExactlyOnce() throws Exception {
        CountingTarget target = new CountingTarget();
        FreezeHolds holds = new FreezeHolds("t", target);
        CyclicBarrier start = new CyclicBarrier(2);
        for (int i = 0; i < ITERATIONS; i++) {
            FreezeHandle h = holds.freeze(request("racer", LONG));
            Future<ThawResult> other = pool.submit(() -> {
                start.await();
                return h.thaw();
            });
            start.await();
            ThawResult mine = h.thaw();
            ThawResult theirs = other.get(10, TimeUnit.SECONDS);
            assertTrue(mine.released() ^ theirs.released(), "iteration " + i + ": " + mine + " / " + theirs);
            assertEquals(i + 1, target.thaws.get(), "iteration " + i + ": real thaws");
        }
    }

    @Test
    void thawRacingTheLeaseTimerReleasesOnce() throws Exception {
        CountingTarget target = new CountingTarget();
        FreezeHolds holds = new FreezeHolds("t", target);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int lapses = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            long lease = random.nextLong(10_000, 200_000);
            FreezeHandle h = holds.freeze(request("racer", Duration.ofNanos(lease)));
            long until = System.nanoTime() + random.nextLong(0, 2 * lease);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            ThawResult r = h.thaw();
            if (r == ThawResult.LAPSED) {
                lapses++;
            } else {
                assertEquals(ThawResult.THAWED, r);
            }
            assertEquals(r == ThawResult.LAPSED, h.lapsed(), "iteration " + i);
            awaitEquals(i + 1, target.thaws, "iteration " + i + ": real thaws");
        }
        Thread.sleep(20);
        assertEquals(ITERATIONS, target.thaws.get(), "a timer released a hold after it was thawed");
        assertEquals(ITERATIONS, target.freezes.get(), lapses + " lapsed");
    }

    private static void awaitEquals(int expected, AtomicInteger actual, String message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (actual.get() < expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(expected, actual.get(), message);
    }

    @Test
    void renewExtendsAndFailsTypedAfterThawOrLapse() throws Exception {
        FreezeHolds holds = new FreezeHolds("t", new CountingTarget());
        FreezeHandle h = holds.freeze(request("r", Duration.ofMillis(2_000)));
        for (int i = 0; i < 25; i++) {
            Thread.sleep(100);
            h.renew();
        }
        assertTrue(h.isHeld());
        h.thaw();
        assertThrows(AlreadyThawedException.class, h::renew);
        FreezeHandle lapsing = holds.freeze(request("l", Duration.ofMillis(5)));
        Thread.sleep(20);
        assertThrows(LeaseLapsedException.class, lapsing::renew);
        assertTrue(lapsing.lapsed());
        assertEquals(ThawResult.LAPSED, lapsing.thaw());
    }

    @Test
    void leaseStartsWhenTheFreezeCompletes() throws Exception {
        CountingTarget target = new CountingTarget();
        target.freezeNanos = TimeUnit.MILLISECONDS.toNanos(2_500);
        FreezeHolds holds = new FreezeHolds("t", target);
        FreezeHandle h = holds.freeze(request("slow", Duration.ofMillis(2_000)));
        h.renew();
        assertTrue(h.isHeld());
        assertTrue(h.freezeDuration().toMillis() >= 2_500, "freeze duration " + h.freezeDuration());
        h.thaw();
    }

    @Test
    void aTargetOverrunningItsTimeoutIsRolledBack() throws Exception {
        CountingTarget target = new CountingTarget();
        target.freezeNanos = TimeUnit.MILLISECONDS.toNanos(100);
        FreezeHolds holds = new FreezeHolds("t", target);
        FreezeRequest hurried = new FreezeRequest("h", LONG, Duration.ofMillis(20));
        assertThrows(FreezeTimeoutException.class, () -> holds.freeze(hurried));
        assertEquals(1, target.thaws.get(), "the late freeze was undone");
        assertEquals(FreezeState.THAWED, holds.state());
        assertEquals(0, holds.holders());
    }

    @Test
    void waitingForAConcurrentFreezeIsBoundedToo() throws Exception {
        CountingTarget target = new CountingTarget();
        target.gate = new CountDownLatch(1);
        FreezeHolds holds = new FreezeHolds("t", target);
        Future<FreezeHandle> first = pool.submit(() -> holds.freeze(request("first", LONG)));
        while (holds.state() != FreezeState.FREEZING) {
            Thread.onSpinWait();
        }
        FreezeRequest second = new FreezeRequest("second", LONG, Duration.ofMillis(30));
        assertThrows(FreezeTimeoutException.class, () -> holds.freeze(second));
        target.gate.countDown();
        FreezeHandle h = first.get(10, TimeUnit.SECONDS);
        assertEquals(1, holds.holders(), "the timed-out freezer left no hold");
        assertEquals(ThawResult.THAWED, h.thaw());
    }

    @Test
    void failuresLeaveTheTargetThawedWithTheCause() {
        CountingTarget target = new CountingTarget();
        FreezeHolds holds = new FreezeHolds("t", target);
        target.failure = new IllegalStateException("device gone");
        FreezeException e = assertThrows(FreezeException.class, () -> holds.freeze(request("x", LONG)));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("t", e.target());
        target.failure = null;
        target.freezeFailure = new FreezeException("t", "cannot");
        assertThrows(FreezeException.class, () -> holds.freeze(request("x", LONG)));
        assertEquals(FreezeState.THAWED, holds.state());
        assertEquals(0, holds.holders());
    }

    @Test
    void anInterruptedFreezeChangesNothing() throws Exception {
        CountingTarget target = new CountingTarget();
        target.gate = new CountDownLatch(1);
        FreezeHolds holds = new FreezeHolds("t", target);
        List<Thread> freezer = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        Future<Throwable> outcome = pool.submit(() -> {
            synchronized (freezer) {
                freezer.add(Thread.currentThread());
            }
            started.countDown();
            try {
                holds.freeze(request("i", LONG));
                return null;
            } catch (InterruptedException | FreezeException e) {
                return e;
            }
        });
        started.await();
        while (holds.state() != FreezeState.FREEZING) {
            Thread.onSpinWait();
        }
        synchronized (freezer) {
            freezer.get(0).interrupt();
        }
        assertInstanceOf(InterruptedException.class, outcome.get(10, TimeUnit.SECONDS));
        assertEquals(FreezeState.THAWED, holds.state());
        assertEquals(0, holds.holders());
    }

    @Test
    void frozenByCurrentThreadNamesOnlyTheHolderThread() throws Exception {
        FreezeHolds holds = new FreezeHolds("t", new CountingTarget());
        FreezeHandle h = holds.freeze(request("me", LONG));
        assertTrue(holds.frozenByCurrentThread());
        assertFalse(pool.submit(holds::frozenByCurrentThread).get());
        h.close();
        assertFalse(holds.frozenByCurrentThread());
        h.close();
        assertEquals(ThawResult.ALREADY_THAWED, h.thaw());
    }

    @Test
    void aThawAfterTheDeadlineReportsTheLapseEvenBeforeTheTimerRuns() throws Exception {
        CountingTarget target = new CountingTarget();
        FreezeHolds holds = new FreezeHolds("t", target);
        FreezeHandle h = holds.freeze(request("late", Duration.ofNanos(1)));
        assertEquals(ThawResult.LAPSED, h.thaw());
        assertTrue(h.lapsed());
        Thread.sleep(10);
        assertEquals(1, target.thaws.get());
    }
}
