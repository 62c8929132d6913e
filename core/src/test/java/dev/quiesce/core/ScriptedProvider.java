package dev.quiesce.core;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.Technique;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A provider that journals every step and fails, sleeps or hangs where a test says. */
final class ScriptedProvider implements SnapshotProvider {
    final Set<String> failPrepare = ConcurrentHashMap.newKeySet();
    final Set<String> failCut = ConcurrentHashMap.newKeySet();
    final Set<String> failComplete = ConcurrentHashMap.newKeySet();
    final Set<String> hangCut = ConcurrentHashMap.newKeySet();
    final AtomicInteger aborts = new AtomicInteger();
    final AtomicInteger completes = new AtomicInteger();
    final AtomicInteger cutsWithUsage = new AtomicInteger();
    volatile long cutMillis;
    private final Journal journal;

    ScriptedProvider(Journal journal) {
        this.journal = journal;
    }

    @Override public String name() { return "scripted"; }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.COPY_ON_WRITE, false, CutCost.CONSTANT, true);
    }

    @Override public boolean supports(dev.quiesce.spi.SnapshotSource source) { return true; }
    @Override public List<Snapshot> list() { return List.of(); }
    @Override public void delete(String name) { }
    @Override public void close() { }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        String name = request.name();
        if (failPrepare.contains(name)) {
            throw new SnapshotException(name(), name, "prepare refused by the test");
        }
        journal.add("prepare " + name);
        return new PendingSnapshot() {
            private volatile boolean aborted;

            @Override public SnapshotRequest request() { return request; }

            @Override
            public Snapshot cut() throws SnapshotException {
                journal.add("cut " + name);
                if (failCut.contains(name)) {
                    throw new SnapshotException(name(), name, "cut failed in the test");
                }
                try {
                    if (hangCut.contains(name)) {
                        Thread.sleep(60_000);
                    }
                    if (cutMillis > 0) {
                        Thread.sleep(cutMillis);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SnapshotException(name(), name, "cut interrupted", e);
                }
                return snapshot(request, false);
            }

            @Override
            public Snapshot cut(BlockUsage usage) throws SnapshotException {
                cutsWithUsage.incrementAndGet();
                return cut();
            }

            @Override
            public Snapshot complete() throws SnapshotException {
                if (failComplete.contains(name)) {
                    throw new SnapshotException(name(), name, "complete failed in the test");
                }
                journal.add("complete " + name);
                completes.incrementAndGet();
                return snapshot(request, true);
            }

            @Override
            public void abort() {
                if (!aborted) {
                    aborted = true;
                    aborts.incrementAndGet();
                    journal.add("abort " + name);
                }
            }
        };
    }

    private static Snapshot snapshot(SnapshotRequest request, boolean ready) {
        return new Snapshot() {
            @Override public String id() { return "id-" + request.name(); }
            @Override public String name() { return request.name(); }
            @Override public String sourceId() { return request.source().id(); }
            @Override public Technique technique() { return Technique.COPY_ON_WRITE; }
            @Override public Instant createdAt() { return Instant.EPOCH; }
            @Override public boolean isReady() { return ready; }
            @Override public BlockDevice open() { return new MemoryBlockDevice(512, 8).readOnlyView(); }
        };
    }
}
