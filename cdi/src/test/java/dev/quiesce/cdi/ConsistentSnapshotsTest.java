package dev.quiesce.cdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.FreezeWindowExceededException;
import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The facade in a real Weld SE container: the C rules as an integrator sees them, and the events. */
class ConsistentSnapshotsTest {
    static final List<String> seen = new CopyOnWriteArrayList<>();
    static volatile CountDownLatch release = new CountDownLatch(0);
    static volatile CountDownLatch observerEntered = new CountDownLatch(1);
    static volatile Thawed lastThawed;

    private SeContainer container;
    private BlockFreezeDevice volume;
    private CountingFreezable target;
    private SnapshotProvider copy;

    @BeforeEach
    void setUp() throws Exception {
        seen.clear();
        release = new CountDownLatch(0);
        observerEntered = new CountDownLatch(1);
        lastThawed = null;
        volume = new BlockFreezeDevice(new MemoryBlockDevice("vol", 512, 64));
        fill(volume, (byte) 1);
        target = new CountingFreezable(volume);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (container != null) {
            container.close();
        }
    }

    private ConsistentSnapshots boot(Class<?>... observers) {
        container = SeContainerInitializer.newInstance().disableDiscovery()
                .addExtensions(new QuiesceExtension()).addBeanClasses(observers).initialize();
        copy = container.select(SnapshotProvider.class, Provider.Literal.of("test-copy")).get();
        return container.select(ConsistentSnapshots.class).get();
    }

    private SnapshotSource source() {
        return SnapshotSource.of("vol", volume);
    }

    @Dependent
    static class OrderedObservers {
        void second(@Observes @Priority(20) BeforeFreeze e) {
            seen.add("before-20:" + e.operation() + ":" + e.targets());
        }

        void first(@Observes @Priority(10) BeforeFreeze e) {
            seen.add("before-10");
        }

        void frozen(@ObservesAsync Frozen e) {
            seen.add("frozen:" + e.target());
        }

        void cut(@ObservesAsync SnapshotCut e) {
            seen.add("cut:" + e.snapshot() + "@" + e.provider());
        }

        void thawed(@Observes Thawed e) {
            lastThawed = e;
            seen.add("thawed");
        }

        void ready(@Observes SnapshotReady e) {
            seen.add("ready:" + e.snapshots().size());
        }

        void failed(@Observes BackupFailed e) {
            seen.add("failed:" + e.cause().getClass().getSimpleName());
        }
    }

    @Test
    void aSnapshotFiresTheLifecycleInOrderAndHoldsTheCut() throws Exception {
        ConsistentSnapshots snapshots = boot(OrderedObservers.class);
        ConsistentSnapshot taken = snapshots.take("nightly", target, source(), copy);

        fill(volume, (byte) 2);
        Snapshot s = taken.snapshot();
        assertTrue(s.isReady());
        assertArrayEquals(filled(volume, (byte) 1), read(s.open()), "the snapshot holds the state at the cut");
        assertEquals(1, target.freezes.get());
        assertEquals(FreezeState.THAWED, volume.state());

        assertEquals(List.of("before-10", "before-20:nightly:[vol]"), seen.subList(0, 2), seen::toString);
        awaitSeen("frozen:vol", "cut:nightly@test-copy");
        assertTrue(seen.indexOf("thawed") < seen.indexOf("ready:1"), seen::toString);
        assertEquals(taken.freezeWindow(), lastThawed.freezeWindow());
        assertEquals(64, taken.usageAtFreeze().get(0).orElseThrow().usedCount(),
                "the block device reports every block in use at the freeze");
        assertEquals(taken.usageAtFreeze().get(0), taken.blocksToCopy());
        assertFalse(taken.freezeWindow().isNegative());
    }

    @Dependent
    static class Veto {
        void refuse(@Observes @Priority(1) BeforeFreeze e) {
            throw new IllegalStateException("database is mid-checkpoint");
        }

        void failed(@Observes BackupFailed e) {
            seen.add("failed:" + e.cause().getClass().getSimpleName());
        }
    }

    @Test
    void aThrowingBeforeFreezeObserverVetoesAndNothingIsFrozen() throws Exception {
        ConsistentSnapshots snapshots = boot(Veto.class);
        FreezeVetoedException e = assertThrows(FreezeVetoedException.class,
                () -> snapshots.take("nightly", target, source(), copy));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getMessage().contains("database is mid-checkpoint"), e.getMessage());
        assertEquals(0, target.freezes.get(), "nothing was frozen");
        assertTrue(copy.list().isEmpty(), "nothing was prepared");
        assertEquals(List.of("failed:FreezeVetoedException"), seen);
    }

    @Dependent
    static class SleepyObserver {
        void frozen(@ObservesAsync Frozen e) throws InterruptedException {
            observerEntered.countDown();
            release.await(60, TimeUnit.SECONDS);
            seen.add("sleepy-done");
        }
    }

    @Test
    void anObserverThatSleepsInFrozenCannotKeepTheTargetFrozen() throws Exception {
        release = new CountDownLatch(1);
        ConsistentSnapshots snapshots = boot(SleepyObserver.class);
        ConsistentSnapshot taken = snapshots.take("nightly", target, source(), copy, Duration.ofSeconds(30));

        // The snapshot returned and the target thawed while the observer still sleeps.
        assertTrue(taken.snapshot().isReady());
        assertEquals(FreezeState.THAWED, volume.state());
        assertTrue(observerEntered.await(30, TimeUnit.SECONDS), "the observer was called");
        assertFalse(seen.contains("sleepy-done"), "the observer is still asleep");
        fill(volume, (byte) 3);
        release.countDown();
        awaitSeen("sleepy-done");
    }

    @Test
    void aCutThatOverrunsTheBudgetIsAbandonedThawedAndAborted() throws Exception {
        ConsistentSnapshots snapshots = boot(OrderedObservers.class);
        release = new CountDownLatch(1);
        StallingProvider stalling = new StallingProvider(copy);
        FreezeWindowExceededException e = assertThrows(FreezeWindowExceededException.class,
                () -> snapshots.take("slow", target, source(), stalling, Duration.ofMillis(200)));
        assertEquals(Duration.ofMillis(200), e.budget());
        assertEquals(FreezeState.THAWED, volume.state(), "thawed although the cut still hangs");
        release.countDown();
        assertTrue(stalling.aborted.await(30, TimeUnit.SECONDS), "the abandoned cut was aborted");
        assertTrue(copy.list().isEmpty(), "nothing is left of it");
        assertTrue(seen.contains("failed:FreezeWindowExceededException"), seen::toString);
    }

    @Test
    void aSetThawsInReverseAndAFailingMemberAbortsEveryCut() throws Exception {
        ConsistentSnapshots snapshots = boot(OrderedObservers.class);
        BlockFreezeDevice second = new BlockFreezeDevice(new MemoryBlockDevice("vol2", 512, 64));
        CountingFreezable secondTarget = new CountingFreezable(second);
        SnapshotProvider failing = new FailingCutProvider(copy);
        assertThrows(SnapshotException.class, () -> snapshots.takeSet("pair", List.of(
                new SnapshotSetMember(target, source(), copy),
                new SnapshotSetMember(secondTarget, SnapshotSource.of("vol2", second), failing)),
                Duration.ofSeconds(10)));
        assertEquals(FreezeState.THAWED, volume.state());
        assertEquals(FreezeState.THAWED, second.state());
        assertTrue(copy.list().isEmpty(), "the first member's cut was aborted: " + copy.list());
        assertTrue(secondTarget.thawedAt.get() < target.thawedAt.get(), "thawed in reverse order of freezing");

        seen.clear();
        ConsistentSnapshot pair = snapshots.takeSet("pair", List.of(
                new SnapshotSetMember(target, source(), copy),
                new SnapshotSetMember(secondTarget, SnapshotSource.of("vol2", second), copy)), Duration.ofSeconds(10));
        assertEquals(List.of("pair-0", "pair-1"), pair.snapshots().stream().map(Snapshot::name).toList());
        awaitSeen("frozen:vol", "frozen:vol2", "cut:pair-0@test-copy", "cut:pair-1@test-copy");
    }

    private static void awaitSeen(String... events) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!seen.containsAll(List.of(events)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(seen.containsAll(List.of(events)), "expected " + List.of(events) + " in " + seen);
    }

    static void fill(BlockDevice device, byte value) throws Exception {
        device.write(0, ByteBuffer.wrap(filled(device, value)));
    }

    static byte[] filled(BlockDevice device, byte value) {
        byte[] all = new byte[(int) device.sizeBytes()];
        java.util.Arrays.fill(all, value);
        return all;
    }

    static byte[] read(BlockDevice device) throws Exception {
        ByteBuffer all = ByteBuffer.allocate((int) device.sizeBytes());
        device.read(0, all);
        return all.array();
    }

    /** Counts freezes and records when its hold was released, to check the order of thaws. */
    static final class CountingFreezable implements Freezable {
        static final AtomicInteger clock = new AtomicInteger();
        final Freezable target;
        final AtomicInteger freezes = new AtomicInteger();
        final AtomicInteger thawedAt = new AtomicInteger();

        CountingFreezable(Freezable target) {
            this.target = target;
        }

        @Override public String name() { return target.name(); }
        @Override public FreezeState state() { return target.state(); }

        @Override
        public FreezeHandle freeze(FreezeRequest request) throws dev.quiesce.spi.FreezeException, InterruptedException {
            FreezeHandle h = target.freeze(request);
            freezes.incrementAndGet();
            return new FreezeHandle() {
                @Override public String holder() { return h.holder(); }
                @Override public Duration lease() { return h.lease(); }
                @Override public void renew() throws dev.quiesce.spi.LeaseLapsedException, dev.quiesce.spi.AlreadyThawedException { h.renew(); }
                @Override public boolean lapsed() { return h.lapsed(); }
                @Override public boolean isHeld() { return h.isHeld(); }
                @Override public Duration freezeDuration() { return h.freezeDuration(); }
                @Override public java.util.Optional<dev.quiesce.spi.BlockUsage> blockUsage() { return h.blockUsage(); }

                @Override
                public dev.quiesce.spi.ThawResult thaw() {
                    dev.quiesce.spi.ThawResult r = h.thaw();
                    if (r.released()) {
                        thawedAt.set(clock.incrementAndGet());
                    }
                    return r;
                }
            };
        }
    }

    /** Delegates, but its cut waits for the test's release: a cut that overruns any budget. */
    static final class StallingProvider extends DelegatingProvider {
        final CountDownLatch aborted = new CountDownLatch(1);

        StallingProvider(SnapshotProvider delegate) {
            super(delegate);
        }

        @Override
        public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
            PendingSnapshot p = delegate.prepare(request);
            return new PendingSnapshot() {
                @Override public SnapshotRequest request() { return p.request(); }

                @Override
                public Snapshot cut() throws SnapshotException {
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new SnapshotException("stalling", request.name(), "cut abandoned");
                    }
                    return p.cut();
                }

                @Override public Snapshot complete() throws SnapshotException { return p.complete(); }

                @Override
                public void abort() {
                    p.abort();
                    aborted.countDown();
                }
            };
        }
    }

    /** Delegates, but every cut fails. */
    static final class FailingCutProvider extends DelegatingProvider {
        FailingCutProvider(SnapshotProvider delegate) {
            super(delegate);
        }

        @Override
        public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
            PendingSnapshot p = delegate.prepare(request);
            return new PendingSnapshot() {
                @Override public SnapshotRequest request() { return p.request(); }

                @Override
                public Snapshot cut() throws SnapshotException {
                    throw new SnapshotException("failing", request.name(), "the cut failed on purpose");
                }

                @Override public Snapshot complete() throws SnapshotException { return p.complete(); }
                @Override public void abort() { p.abort(); }
            };
        }
    }

    abstract static class DelegatingProvider implements SnapshotProvider {
        final SnapshotProvider delegate;

        DelegatingProvider(SnapshotProvider delegate) {
            this.delegate = delegate;
        }

        @Override public String name() { return delegate.name(); }
        @Override public dev.quiesce.spi.Capabilities capabilities() { return delegate.capabilities(); }
        @Override public boolean supports(SnapshotSource source) { return delegate.supports(source); }
        @Override public List<Snapshot> list() throws SnapshotException { return delegate.list(); }
        @Override public void delete(String name) throws SnapshotException { delegate.delete(name); }
        @Override public void close() { }
    }
}
