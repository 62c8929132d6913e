package dev.quiesce.core;

import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import java.time.Duration;

/**
 * One consistent snapshot: prepare, freeze, cut within the budget, thaw exactly once,
 * complete (SPEC.md C1-C5, C8). A {@link SnapshotSet} of one member:
 *
 * <pre>{@code
 * SnapshotResult r = ConsistentSnapshot.of(fs, provider, SnapshotRequest.of("nightly", source))
 *         .freezeWindow(Duration.ofSeconds(5))
 *         .take();
 * }</pre>
 */
public final class ConsistentSnapshot {
    private final SnapshotSet.Builder set;

    private ConsistentSnapshot(SnapshotSet.Builder set) {
        this.set = set;
    }

    /** A snapshot of {@code request}'s source by {@code provider}, with {@code target} frozen around the cut. */
    public static ConsistentSnapshot of(Freezable target, SnapshotProvider provider, SnapshotRequest request) {
        return new ConsistentSnapshot(SnapshotSet.builder().member(target, provider, request));
    }

    /** See {@link SnapshotSet.Builder#holder}. */
    public ConsistentSnapshot holder(String name) {
        set.holder(name);
        return this;
    }

    /** See {@link SnapshotSet.Builder#lease}. */
    public ConsistentSnapshot lease(Duration value) {
        set.lease(value);
        return this;
    }

    /** See {@link SnapshotSet.Builder#freezeTimeout}. */
    public ConsistentSnapshot freezeTimeout(Duration value) {
        set.freezeTimeout(value);
        return this;
    }

    /** See {@link SnapshotSet.Builder#freezeWindow}; 10 s by default. */
    public ConsistentSnapshot freezeWindow(Duration value) {
        set.freezeWindow(value);
        return this;
    }

    /** See {@link SnapshotSet.Builder#logger}. */
    public ConsistentSnapshot logger(System.Logger value) {
        set.logger(value);
        return this;
    }

    /** Takes the snapshot; see {@link SnapshotSet.Builder#take()} for the failures. */
    public SnapshotResult take() throws QuiesceException, InterruptedException {
        SnapshotSetResult r = set.take();
        Snapshot only = r.snapshots().get(0);
        return new SnapshotResult(only, r.freezeWindow(), r.freezing(), r.cutting());
    }
}
