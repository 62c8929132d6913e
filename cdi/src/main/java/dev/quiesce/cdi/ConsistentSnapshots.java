package dev.quiesce.cdi;

import dev.quiesce.core.SnapshotSet;
import dev.quiesce.core.SnapshotSetResult;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The injectable facade for consistent snapshots, run by core's coordinator
 * ({@link SnapshotSet}: prepare, freeze, cut within the budget, thaw, complete), with the
 * lifecycle events an application observes to take part, the way VSS writers do:
 *
 * <ol>
 *   <li>{@link BeforeFreeze}, synchronous, before anything is prepared or frozen; an
 *       observer that throws vetoes ({@link FreezeVetoedException}).</li>
 *   <li>{@link Frozen} per target and {@link SnapshotCut} per snapshot, asynchronous
 *       ({@code @ObservesAsync}), posted without waiting: the coordinator's budget holds
 *       whatever an observer does.</li>
 *   <li>{@link Thawed} with the measured window, then {@link SnapshotReady}; or
 *       {@link BackupFailed} once everything was thawed and aborted.</li>
 * </ol>
 *
 * <pre>{@code
 * @Inject ConsistentSnapshots snapshots;
 * @Inject @Provider("dmsnap") SnapshotProvider dmsnap;
 *
 * ConsistentSnapshot s = snapshots.take("nightly", filesystem, source, dmsnap);
 * s.freezeWindow();   // how long the filesystem was frozen
 * }</pre>
 *
 * <p>Contract: SPEC.md C1-C8 (by the coordinator). Registered by {@link QuiesceExtension}.
 */
@ApplicationScoped
public class ConsistentSnapshots {
    /** VSS cancels a flush-and-hold after 10 s; so does this facade by default (C3). */
    public static final Duration DEFAULT_BUDGET = SnapshotSet.DEFAULT_FREEZE_WINDOW;

    @Inject Event<Object> events;
    private LifecycleEvents lifecycle;

    @PostConstruct
    void start() {
        lifecycle = new LifecycleEvents(events);
    }

    @PreDestroy
    void stop() {
        lifecycle.close();
    }

    /**
     * One consistent snapshot called {@code name} of {@code source}, with {@code target}
     * (normally the filesystem on it) frozen around the cut, within {@link #DEFAULT_BUDGET}.
     *
     * @throws FreezeVetoedException if a {@link BeforeFreeze} observer threw
     * @throws dev.quiesce.core.FreezeWindowExceededException if the cut overran the budget (C3)
     * @throws dev.quiesce.spi.FreezeException if the freeze failed or its lease lapsed (C5)
     * @throws dev.quiesce.spi.SnapshotException if the provider failed
     * @throws InterruptedException if interrupted; everything was thawed and aborted
     */
    public ConsistentSnapshot take(String name, Freezable target, SnapshotSource source, SnapshotProvider provider)
            throws QuiesceException, InterruptedException {
        return take(name, target, source, provider, DEFAULT_BUDGET);
    }

    /** As {@link #take(String, Freezable, SnapshotSource, SnapshotProvider)} with another budget. */
    public ConsistentSnapshot take(String name, Freezable target, SnapshotSource source, SnapshotProvider provider,
                                   Duration budget) throws QuiesceException, InterruptedException {
        return run(name, List.of(new SnapshotSetMember(target, source, provider)), budget, false);
    }

    /**
     * A snapshot set: every member frozen, every one cut, then all thawed in reverse
     * order (C6); a failure anywhere aborts every cut and thaws every target (C7). The
     * snapshots are named {@code name-0}, {@code name-1}, ... in member order.
     */
    public ConsistentSnapshot takeSet(String name, List<SnapshotSetMember> members, Duration budget)
            throws QuiesceException, InterruptedException {
        return run(name, List.copyOf(members), budget, true);
    }

    private ConsistentSnapshot run(String name, List<SnapshotSetMember> members, Duration budget, boolean set)
            throws QuiesceException, InterruptedException {
        if (members.isEmpty()) {
            throw new IllegalArgumentException(name + ": a snapshot needs at least one member");
        }
        List<String> targets = members.stream().map(m -> m.target().name()).toList();
        try {
            lifecycle.beforeFreeze(new BeforeFreeze(name, targets));
        } catch (FreezeVetoedException veto) {
            lifecycle.afterThaw(new BackupFailed(name, veto));
            throw veto;
        }
        SnapshotSet.Builder builder = SnapshotSet.builder().holder("quiesce:" + name).freezeWindow(budget);
        List<ObservedFreezable> observed = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            SnapshotSetMember m = members.get(i);
            observed.add(new ObservedFreezable(m.target(), name, lifecycle));
            builder.member(observed.get(i),
                    new ObservedProvider(m.provider(), name, lifecycle),
                    SnapshotRequest.of(set ? name + "-" + i : name, m.source()));
        }
        SnapshotSetResult result;
        try {
            result = builder.take();
        } catch (QuiesceException | InterruptedException | RuntimeException e) {
            lifecycle.afterThaw(new BackupFailed(name, e));
            throw e;
        }
        lifecycle.afterThaw(new Thawed(name, targets, result.freezeWindow()));
        lifecycle.afterThaw(new SnapshotReady(name, result.snapshots(), result.freezeWindow()));
        return new ConsistentSnapshot(name, result.snapshots(), result.freezeWindow(),
                observed.stream().map(ObservedFreezable::usageAtFreeze).toList());
    }

    /** In-freeze notices dropped because observers could not keep up (never a delayed thaw). */
    public long droppedNotices() {
        return lifecycle.dropped();
    }
}
