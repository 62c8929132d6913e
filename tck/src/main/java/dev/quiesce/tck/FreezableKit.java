package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.TargetFrozenException;
import dev.quiesce.spi.ThawResult;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit for {@link dev.quiesce.spi.Freezable} (SPEC.md F1-F16). Extend it
 * in a test class, implement {@link #createSubject()}, and run it with JUnit 5:
 *
 * <pre>{@code
 * class MyFsFreezeTest extends FreezableKit {
 *     protected FreezableSubject createSubject() throws Exception { return new MyFsSubject(); }
 * }
 * }</pre>
 *
 * Each test is named after its rule and gets a fresh subject. Rules that need a hook the
 * subject does not give ({@link FreezableSubject#witness()} for F1/F2,
 * {@link FreezableSubject#stallNextMutation()} for F5/F6, a block-usage bitmap and
 * {@link FreezableSubject#readBackFrom} for F15) are reported NOT_APPLICABLE with the
 * reason. The race tests (F3, F4, F8, F12) run {@link #stressIterations()} rounds.
 * If a test fails, the message names what was seen; check the rule's text in SPEC.md.
 */
public abstract class FreezableKit extends AbstractKit {
    /**
     * Long enough that no kit hold lapses unless the test wants it to, even when a loaded
     * machine stalls the test for a minute.
     */
    static final Duration LONG_LEASE = Duration.ofMinutes(10);
    /** How long the kit watches something that must keep waiting. */
    static final Duration WINDOW = Duration.ofMillis(50);
    /**
     * How long the kit waits for something that must not block at all (a read while
     * frozen, a refused mutation, a lapse) before calling it stuck; generous, so only a
     * real hang trips it.
     */
    static final Duration DEADLOCK_BOUND = Duration.ofSeconds(10);

    private Background background;
    private final List<FreezableSubject> subjects = new ArrayList<>();
    private final List<FreezeHandle> handles = new ArrayList<>();

    protected FreezableKit() {
    }

    /** A fresh, thawed target with its means of mutation and observation. */
    protected abstract FreezableSubject createSubject() throws Exception;

    @Override
    final Rule.Contract contract() {
        return Rule.Contract.FREEZABLE;
    }

    @BeforeAll
    final void startBackground() {
        background = new Background("freezable");
    }

    @AfterAll
    final void stopBackground() {
        background.close();
    }

    @AfterEach
    final void releaseEverything() throws Exception {
        for (FreezeHandle h : handles) {
            h.thaw();
        }
        handles.clear();
        closeAll(subjects);
    }

    private FreezableSubject subject() throws Exception {
        FreezableSubject s = createSubject();
        subjects.add(s);
        assertEquals(FreezeState.THAWED, s.target().state(), "a fresh subject must be thawed");
        return s;
    }

    private FreezeHandle freeze(FreezableSubject s, String holder, Duration lease) throws Exception {
        FreezeHandle h = s.target().freeze(new FreezeRequest(holder, lease, Background.BOUND));
        handles.add(h);
        return h;
    }

    private FreezeHandle freeze(FreezableSubject s, String holder) throws Exception {
        return freeze(s, holder, LONG_LEASE);
    }

    private Future<Void> mutateInBackground(FreezableSubject s, int slot, long value) {
        return background.start(() -> {
            s.mutate(slot, value);
            return null;
        });
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static DeviceWitness witnessOrSkip(FreezableSubject s) {
        Optional<DeviceWitness> w = s.witness();
        if (w.isEmpty()) {
            notApplicableBecause("the subject gives no DeviceWitness of the device underneath");
        }
        return w.get();
    }

    private static MutationStall stallOrSkip(FreezableSubject s) throws Exception {
        Optional<MutationStall> stall = s.stallNextMutation();
        if (stall.isEmpty()) {
            notApplicableBecause("the subject cannot hold a mutation in flight (stallNextMutation)");
        }
        return stall.get();
    }

    @Test
    public void F1_freezeDrainsAndFlushes() throws Exception {
        FreezableSubject s = subject();
        DeviceWitness witness = witnessOrSkip(s);
        try (Writers writers = new Writers(background, s, 2)) {
            for (int cycle = 0; cycle < 20; cycle++) {
                writers.awaitProgress(5);
                FreezeHandle h = freeze(s, "kit-F1");
                try {
                    long mark = witness.mark();
                    assertEquals(FreezeState.FROZEN, s.target().state(), "state right after freeze returned");
                    Optional<Boolean> durable = witness.durableAt(mark);
                    if (durable.isPresent()) {
                        assertTrue(durable.get(), "cycle " + cycle + ": when freeze returned, a write was still in "
                                + "flight or not flushed (F1)");
                    } else {
                        Thread.sleep(WINDOW.toMillis());
                        List<String> late = witness.writesBetween(mark, witness.mark());
                        assertTrue(late.isEmpty(), "cycle " + cycle + ": writes landed after freeze returned: " + late);
                    }
                } finally {
                    h.thaw(); // before the writers stop, or they would wait for it
                }
            }
        }
    }

    @Test
    public void F2_noWriteReachesDeviceWhileFrozen() throws Exception {
        FreezableSubject s = subject();
        DeviceWitness witness = witnessOrSkip(s);
        try (Writers writers = new Writers(background, s, 2)) {
            for (int cycle = 0; cycle < 10; cycle++) {
                writers.awaitProgress(5);
                FreezeHandle h = freeze(s, "kit-F2");
                List<String> writes;
                try {
                    long from = witness.mark();
                    Thread.sleep(2 * WINDOW.toMillis());
                    writes = witness.writesBetween(from, witness.mark());
                } finally {
                    h.thaw(); // before the writers stop, or they would wait for it
                }
                assertTrue(writes.isEmpty(), "cycle " + cycle + ": writes reached the device while frozen (F2): "
                        + writes);
            }
            writers.awaitProgress(5);
        }
    }

    @Test
    public void F3_concurrentThawsReleaseOnce() throws Exception {
        FreezableSubject s = subject();
        int iterations = stressIterations();
        try (Race race = new Race("F3", 2)) {
            for (int i = 0; i < Math.max(1, iterations / 10); i++) {
                FreezeHandle a = freeze(s, "kit-F3");
                Object[] r = race.run(a::thaw, a::thaw);
                assertOneReleased(r, i, ThawResult.THAWED);
                assertEquals(FreezeState.THAWED, s.target().state(), "iteration " + i + ": sole holder thawed");
                handles.remove(a);
            }
            FreezeHandle keeper = freeze(s, "kit-F3-keeper");
            for (int i = 0; i < iterations; i++) {
                FreezeHandle a = freeze(s, "kit-F3");
                Object[] r = race.run(a::thaw, a::thaw);
                assertOneReleased(r, i, ThawResult.STILL_FROZEN);
                assertEquals(FreezeState.FROZEN, s.target().state(),
                        "iteration " + i + ": another holder still holds, yet the target thawed (double release)");
                assertFalse(a.isHeld(), "thawed handle still held");
                handles.remove(a);
            }
            assertEquals(ThawResult.THAWED, keeper.thaw(), "the last holder's thaw");
        }
    }

    private static void assertOneReleased(Object[] results, int iteration, ThawResult expected) {
        int released = 0;
        for (Object o : results) {
            ThawResult r = (ThawResult) o;
            if (r.released()) {
                released++;
                assertEquals(expected, r, "iteration " + iteration + ": the releasing thaw");
            } else {
                assertEquals(ThawResult.ALREADY_THAWED, r, "iteration " + iteration + ": the losing thaw");
            }
        }
        assertEquals(1, released, "iteration " + iteration + ": thaws that released the hold");
    }

    @Test
    public void F4_thawRacingLeaseExpiryReleasesOnce() throws Exception {
        FreezableSubject s = subject();
        FreezeHandle keeper = freeze(s, "kit-F4-keeper");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int lapsed = 0;
        for (int i = 0; i < stressIterations(); i++) {
            long leaseNanos = random.nextLong(20_000, 300_000);
            FreezeHandle a = freeze(s, "kit-F4", Duration.ofNanos(leaseNanos));
            spin(random.nextLong(0, 2 * leaseNanos));
            ThawResult r = a.thaw();
            handles.remove(a);
            if (r == ThawResult.LAPSED) {
                lapsed++;
                assertTrue(a.lapsed(), "iteration " + i + ": thaw said LAPSED but lapsed() is false");
            } else {
                assertEquals(ThawResult.STILL_FROZEN, r, "iteration " + i + ": thaw result");
                assertFalse(a.lapsed(), "iteration " + i + ": thaw released the hold and the lease lapsed too");
            }
            assertFalse(a.isHeld(), "iteration " + i + ": handle still held after thaw");
            assertEquals(FreezeState.FROZEN, s.target().state(),
                    "iteration " + i + ": the keeper still holds, yet the target thawed (double release)");
        }
        // Late timers of the racing holds must not release anything either.
        Thread.sleep(WINDOW.toMillis());
        assertEquals(FreezeState.FROZEN, s.target().state(), "a lease timer released a hold after its thaw");
        assertEquals(ThawResult.THAWED, keeper.thaw(), "the last holder's thaw (" + lapsed + " races lapsed)");
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    public void F5_freezeTimeoutLeavesTargetThawed() throws Exception {
        FreezableSubject s = subject();
        MutationStall stall = stallOrSkip(s);
        try (stall) {
            Future<Void> stuck = mutateInBackground(s, 0, 5);
            assertTrue(stall.awaitStalled(Background.BOUND), "the stalled mutation never reached the device");
            FreezeRequest request = new FreezeRequest("kit-F5", LONG_LEASE, Duration.ofMillis(200));
            FreezeException e = assertThrows(FreezeException.class, () -> handles.add(s.target().freeze(request)),
                    "a freeze that cannot drain must fail within its timeout");
            assertTrue(e instanceof FreezeTimeoutException, "expected FreezeTimeoutException, got " + e);
            assertEquals(FreezeState.THAWED, s.target().state(), "state after a timed-out freeze");
            Background.await(mutateInBackground(s, 1, 6), "a mutation after the timed-out freeze");
            stall.close();
            Background.await(stuck, "the stalled mutation");
        }
        assertEquals(5, s.readBack(0));
        assertEquals(6, s.readBack(1));
        assertEquals(ThawResult.THAWED, freeze(s, "kit-F5-after").thaw(), "a later freeze and thaw");
    }

    @Test
    public void F6_interruptedFreezeLeavesTargetThawed() throws Exception {
        FreezableSubject s = subject();
        MutationStall stall = stallOrSkip(s);
        try (stall) {
            Future<Void> stuck = mutateInBackground(s, 0, 5);
            assertTrue(stall.awaitStalled(Background.BOUND), "the stalled mutation never reached the device");
            Background.ThreadHandoff freezer = new Background.ThreadHandoff();
            Future<FreezeHandle> freezing = background.start(() -> {
                freezer.set(Thread.currentThread());
                return s.target().freeze(new FreezeRequest("kit-F6", LONG_LEASE, Background.BOUND));
            });
            Thread.sleep(WINDOW.toMillis());
            Future<Void> waiting = mutateInBackground(s, 1, 6);
            Thread.sleep(WINDOW.toMillis());
            freezer.get().interrupt();
            try {
                FreezeHandle h = Background.await(freezing, "the interrupted freeze");
                handles.add(h);
                fail("an interrupted freeze returned a hold: " + h);
            } catch (InterruptedException | FreezeException expected) {
                // F6: the freeze gave up
            }
            assertEquals(FreezeState.THAWED, s.target().state(), "state after an interrupted freeze");
            Background.await(waiting, "a mutation that waited on the interrupted freeze");
            stall.close();
            Background.await(stuck, "the stalled mutation");
        }
        assertEquals(ThawResult.THAWED, freeze(s, "kit-F6-after").thaw(), "a later freeze and thaw");
    }

    @Test
    public void F7_lastHolderThaws() throws Exception {
        FreezableSubject s = subject();
        FreezeHandle a = freeze(s, "kit-F7-a");
        FreezeHandle b = freeze(s, "kit-F7-b");
        FreezeHandle c = freeze(s, "kit-F7-c");
        assertTrue(a.isHeld() && b.isHeld() && c.isHeld(), "three holders hold");
        assertEquals(ThawResult.STILL_FROZEN, a.thaw(), "the first of three holders thaws");
        assertEquals(ThawResult.STILL_FROZEN, b.thaw(), "the second of three holders thaws");
        assertEquals(FreezeState.FROZEN, s.target().state(), "state while the third holder holds");
        Future<Void> waiting = mutateInBackground(s, 0, 9);
        assertTrue(Background.stillWaitingAfter(waiting, WINDOW), "a mutation went through while C still held");
        assertEquals(ThawResult.THAWED, c.thaw(), "the last holder thaws");
        Background.await(waiting, "the mutation after the last thaw");
        assertEquals(FreezeState.THAWED, s.target().state());
    }

    @Test
    public void F8_leaseStartsAtFreezeAndRenewExtends() throws Exception {
        FreezableSubject s = subject();
        // Leases of seconds: a loaded machine can stall a thread for most of one.
        Duration lease = Duration.ofMillis(2_000);
        FreezeHandle h = freeze(s, "kit-F8-renew", lease);
        for (int i = 0; i < 50; i++) {
            Thread.sleep(50);
            h.renew();
        }
        assertTrue(h.isHeld() && !h.lapsed(), "renewed every 50 ms for 2.5 s, a 2 s lease lapsed anyway");
        assertEquals(ThawResult.THAWED, h.thaw());
        assertThrows(AlreadyThawedException.class, h::renew, "renewing a thawed handle");

        FreezeHandle gone = freeze(s, "kit-F8-lapse", Duration.ofMillis(20));
        awaitTrue(gone::lapsed, "a 20 ms lease never lapsed");
        assertThrows(LeaseLapsedException.class, gone::renew, "renewing a lapsed handle");
        gone.thaw();

        Optional<MutationStall> stall = s.stallNextMutation();
        if (stall.isPresent()) {
            leaseStartsWhenSlowFreezeCompletes(s, stall.get());
        }
        renewRacingExpiry(s);
    }

    private void leaseStartsWhenSlowFreezeCompletes(FreezableSubject s, MutationStall stall) throws Exception {
        Duration lease = Duration.ofMillis(2_000);
        try (stall) {
            Future<Void> stuck = mutateInBackground(s, 0, 1);
            assertTrue(stall.awaitStalled(Background.BOUND), "the stalled mutation never reached the device");
            Future<FreezeHandle> freezing = background.start(() -> {
                FreezeHandle h = s.target().freeze(new FreezeRequest("kit-F8-slow", lease, Background.BOUND));
                try {
                    h.renew();
                } catch (LeaseLapsedException e) {
                    throw new AssertionError("a freeze that took longer than its lease returned a lapsed hold: "
                            + "the lease started at the request, not when the freeze completed (F8)", e);
                }
                return h;
            });
            Thread.sleep(lease.toMillis() + 500);
            stall.close();
            FreezeHandle h = Background.await(freezing, "the slow freeze");
            handles.add(h);
            Background.await(stuck, "the stalled mutation");
            h.thaw();
        }
    }

    /**
     * Renew racing the expiry. The kit never thaws near the deadline here (that race is
     * F4's): after a successful renew it waits for the renewed lease to lapse by itself.
     */
    private void renewRacingExpiry(FreezableSubject s) throws Exception {
        FreezeHandle keeper = freeze(s, "kit-F8-keeper");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < stressIterations(); i++) {
            long leaseNanos = random.nextLong(20_000, 300_000);
            FreezeHandle a = freeze(s, "kit-F8-race", Duration.ofNanos(leaseNanos));
            spin(random.nextLong(0, 2 * leaseNanos));
            try {
                a.renew();
                int round = i;
                awaitTrue(() -> !a.isHeld(), "iteration " + round + ": a renewed lease of " + leaseNanos
                        + " ns never lapsed", DEADLOCK_BOUND);
            } catch (LeaseLapsedException e) {
                assertFalse(a.isHeld(), "iteration " + i + ": renew said lapsed but the handle still holds");
            }
            assertTrue(a.lapsed(), "iteration " + i + ": the hold ended without a thaw, yet lapsed() is false");
            assertEquals(ThawResult.LAPSED, a.thaw(), "iteration " + i + ": thaw after the lapse");
            handles.remove(a);
            assertEquals(FreezeState.FROZEN, s.target().state(),
                    "iteration " + i + ": the keeper still holds, yet the target thawed (double release)");
        }
        Thread.sleep(WINDOW.toMillis());
        assertEquals(ThawResult.THAWED, keeper.thaw(), "the keeper's thaw after the renew races");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String message)
            throws InterruptedException {
        awaitTrue(condition, message, Background.BOUND);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String message, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(message + " within " + bound.toSeconds() + " s");
            }
            Thread.sleep(1);
        }
    }

    @Test
    public void F9_lapseReleasesHold() throws Exception {
        FreezableSubject s = subject();
        FreezeHandle h = freeze(s, "kit-F9", Duration.ofMillis(50));
        awaitTrue(h::lapsed, "a 50 ms lease never lapsed");
        awaitTrue(() -> s.target().state() == FreezeState.THAWED, "the target did not thaw after the lapse",
                DEADLOCK_BOUND);
        assertFalse(h.isHeld(), "a lapsed handle still holds");
        Background.await(mutateInBackground(s, 0, 3), "a mutation after the lapse");
        assertEquals(ThawResult.LAPSED, h.thaw(), "thaw after the lapse");
        assertEquals(ThawResult.LAPSED, h.thaw(), "a second thaw after the lapse");
        assertThrows(LeaseLapsedException.class, h::renew, "renew after the lapse");
        assertEquals(3, s.readBack(0));
    }

    @Test
    public void F10_readsNeverBlockWhileFrozen() throws Exception {
        FreezableSubject s = subject();
        s.mutate(0, 7);
        List<Future<Void>> waiting = new ArrayList<>();
        Future<Long> onHolder = background.start(() -> {
            FreezeHandle h = s.target().freeze(new FreezeRequest("kit-F10", LONG_LEASE, Background.BOUND));
            try {
                // A writer waiting at the gate must not hold readers up either.
                waiting.add(mutateInBackground(s, 1, 8));
                assertTrue(Background.stillWaitingAfter(waiting.get(0), WINDOW), "a write went through while frozen");
                long fromOther = Background.await(background.start(() -> s.readBack(0)), "a read from another thread",
                        DEADLOCK_BOUND);
                assertEquals(7, fromOther, "read from another thread while frozen");
                return s.readBack(0);
            } finally {
                h.thaw();
            }
        });
        assertEquals(7, Background.await(onHolder, "a read from the holder thread while frozen"));
        Background.await(waiting.get(0), "the writer after the thaw");
    }

    @Test
    public void F11_mutationFromHolderThreadFailsFast() throws Exception {
        FreezableSubject s = subject();
        s.mutate(0, 1);
        java.util.concurrent.atomic.AtomicReference<FreezeHandle> held = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Throwable> attempt = background.start(() -> {
            FreezeHandle h = s.target().freeze(new FreezeRequest("kit-F11", LONG_LEASE, Background.BOUND));
            held.set(h);
            try {
                s.mutate(0, 2);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        Throwable outcome;
        try {
            outcome = attempt.get(DEADLOCK_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            FreezeHandle h = held.get();
            if (h != null) {
                h.thaw();
            }
            throw new AssertionError("a mutation from the holder thread deadlocked instead of failing (F11)", e);
        }
        FreezeHandle h = held.get();
        handles.add(h);
        assertTrue(outcome != null && causedBy(outcome, TargetFrozenException.class),
                "a mutation from the holder thread must fail with TargetFrozenException, got " + outcome);
        assertEquals(FreezeState.FROZEN, s.target().state(), "the failed mutation must leave the freeze alone");
        assertEquals(1, s.readBack(0), "the refused mutation changed the slot");
        assertEquals(ThawResult.THAWED, h.thaw());
    }

    @Test
    public void F12_concurrentFreezesNeverHalf() throws Exception {
        FreezableSubject s = subject();
        try (Race race = new Race("F12", 2)) {
            for (int i = 0; i < stressIterations(); i++) {
                java.util.concurrent.Callable<Object[]> freezer = () -> {
                    FreezeHandle h = s.target().freeze(new FreezeRequest("kit-F12", LONG_LEASE, Background.BOUND));
                    return new Object[] {h, s.target().state()};
                };
                Object[] r = race.run(freezer, freezer);
                FreezeHandle a = (FreezeHandle) ((Object[]) r[0])[0];
                FreezeHandle b = (FreezeHandle) ((Object[]) r[1])[0];
                handles.add(a);
                handles.add(b);
                assertEquals(FreezeState.FROZEN, ((Object[]) r[0])[1], "iteration " + i + ": state seen by freezer 1");
                assertEquals(FreezeState.FROZEN, ((Object[]) r[1])[1], "iteration " + i + ": state seen by freezer 2");
                assertEquals(ThawResult.STILL_FROZEN, a.thaw(), "iteration " + i + ": first thaw of two");
                assertEquals(ThawResult.THAWED, b.thaw(), "iteration " + i + ": second thaw of two");
                handles.remove(a);
                handles.remove(b);
            }
        }
        assertEquals(FreezeState.THAWED, s.target().state());
    }

    @Test
    public void F13_closeWhileFrozenRefused() throws Exception {
        FreezableSubject s = subject();
        s.mutate(0, 4);
        FreezeHandle h = freeze(s, "kit-F13");
        Exception refused = assertThrows(Exception.class, s::closeTarget, "closing a frozen target");
        assertTrue(causedBy(refused, TargetFrozenException.class), "expected TargetFrozenException, got " + refused);
        assertEquals(FreezeState.FROZEN, s.target().state(), "the refused close changed the freeze");
        assertTrue(h.isHeld(), "the refused close released the hold");
        assertEquals(4, s.readBack(0), "reads after the refused close");
        Future<Void> waiting = mutateInBackground(s, 0, 5);
        assertTrue(Background.stillWaitingAfter(waiting, WINDOW), "a mutation went through after the refused close");
        assertEquals(ThawResult.THAWED, h.thaw());
        Background.await(waiting, "the mutation after the thaw");
        s.closeTarget();
    }

    @Test
    public void F14_closingHandleThaws() throws Exception {
        FreezableSubject s = subject();
        FreezeHandle other = freeze(s, "kit-F14-other");
        FreezeHandle kept;
        try (FreezeHandle h = s.target().freeze(new FreezeRequest("kit-F14", LONG_LEASE, Background.BOUND))) {
            kept = h;
            assertTrue(h.isHeld());
        }
        assertFalse(kept.isHeld(), "try-with-resources left the hold");
        assertEquals(FreezeState.FROZEN, s.target().state(), "closing one of two holds");
        kept.close();
        assertEquals(ThawResult.ALREADY_THAWED, kept.thaw(), "thaw after close");
        other.close();
        assertEquals(FreezeState.THAWED, s.target().state(), "closing the last hold");
        other.close();
        assertEquals(FreezeState.THAWED, s.target().state(), "closing a released hold again");
        assertEquals(ThawResult.ALREADY_THAWED, other.thaw());
    }

    @Test
    public void F15_blockUsageMarksEveryNeededBlock() throws Exception {
        FreezableSubject s = subject();
        for (int slot = 0; slot < s.slots(); slot++) {
            s.mutate(slot, 1000 + slot);
        }
        FreezeHandle h = freeze(s, "kit-F15");
        Optional<BlockUsage> usage = h.blockUsage();
        Optional<BlockDevice> device = s.device();
        if (usage.isEmpty()) {
            notApplicableBecause("the target reports no block-usage bitmap");
        }
        if (device.isEmpty()) {
            notApplicableBecause("the subject does not give the device underneath");
        }
        BlockDevice masked = masked(device.get(), usage.get());
        for (int slot = 0; slot < s.slots(); slot++) {
            OptionalLong value = s.readBackFrom(masked, slot);
            if (value.isEmpty()) {
                notApplicableBecause("the subject cannot read a slot back from a device image");
            }
            assertEquals(1000 + slot, value.getAsLong(),
                    "slot " + slot + " read from the image with only the blocks marked in use (F15)");
        }
        h.thaw();
    }

    /** A copy of {@code device} holding only the blocks {@code usage} marks, zeros elsewhere. */
    private static BlockDevice masked(BlockDevice device, BlockUsage usage) throws Exception {
        assertEquals(device.blockCount(), usage.blockCount(), "the bitmap's block count");
        MemoryBlockDevice copy = new MemoryBlockDevice("usage-masked " + device.name(), device.blockSize(),
                device.blockCount());
        ByteBuffer buffer = ByteBuffer.allocate(device.blockSize());
        for (long b = usage.nextInUse(0); b >= 0; b = usage.nextInUse(b + 1)) {
            buffer.clear();
            device.read(b, buffer);
            buffer.flip();
            copy.write(b, buffer);
        }
        return copy;
    }

    @Test
    public void F16_waitingMutationsCompleteAfterThaw() throws Exception {
        FreezableSubject s = subject();
        FreezeHandle h = freeze(s, "kit-F16");
        List<Future<Void>> waiting = new ArrayList<>();
        for (int slot = 0; slot < s.slots(); slot++) {
            waiting.add(mutateInBackground(s, slot, 500 + slot));
        }
        for (Future<Void> f : waiting) {
            assertTrue(Background.stillWaitingAfter(f, Duration.ofMillis(5)), "a mutation went through while frozen");
        }
        assertEquals(ThawResult.THAWED, h.thaw());
        for (Future<Void> f : waiting) {
            Background.await(f, "a mutation that waited for the thaw");
        }
        for (int slot = 0; slot < s.slots(); slot++) {
            assertEquals(500 + slot, s.readBack(slot), "slot " + slot + " after the thaw (F16: none lost)");
        }
    }
}
