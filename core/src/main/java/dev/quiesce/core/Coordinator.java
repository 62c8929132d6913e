package dev.quiesce.core;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.ThawResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one snapshot set through prepare, freeze, cut, thaw, complete (SPEC.md C1-C8).
 *
 * <h2>Order</h2>
 * Prepare every member (slow, before any freeze). Freeze every target in member order on
 * the calling thread. Cut every member on a worker thread while the calling thread
 * waits within the freeze-window budget, renewing every lease a few times per lease
 * period. Thaw every target in reverse order, each handle exactly once. Then complete.
 *
 * <h2>Failure</h2>
 * Whatever fails (a prepare, a freeze, a cut, the budget, a lapsed lease, an interrupt,
 * a completion), every target frozen is thawed first and then every pending snapshot is
 * aborted (C2, C3, C5, C7); the first failure is thrown with the later ones suppressed.
 *
 * <h2>Logging</h2>
 * Nothing is logged between the first freeze and the last thaw (C8): the log may live on
 * a frozen filesystem. The window is reported after the thaw.
 */
final class Coordinator {

    /** One (target, provider, request) of a set; {@code target} is null when the provider freezes by itself. */
    record Member(Freezable target, SnapshotProvider provider, SnapshotRequest request) { }

    /** What a successful run returns. */
    record Outcome(List<Snapshot> snapshots, Duration window, Duration freezing, Duration cutting) { }

    private final List<Member> members;
    private final String holder;
    private final Duration lease;
    private final Duration freezeTimeout;
    private final Duration budget;
    private final System.Logger log;

    Coordinator(List<Member> members, String holder, Duration lease, Duration freezeTimeout, Duration budget,
                System.Logger log) {
        this.members = List.copyOf(members);
        this.holder = holder;
        this.lease = lease;
        this.freezeTimeout = freezeTimeout;
        this.budget = budget;
        this.log = log;
    }

    Outcome run() throws QuiesceException, InterruptedException {
        List<PendingSnapshot> pending = new ArrayList<>();
        try {
            for (Member m : members) {
                pending.add(m.provider().prepare(m.request()));
            }
        } catch (SnapshotException | RuntimeException e) {
            abortAll(pending, e);
            throw e;
        }
        log.log(System.Logger.Level.DEBUG, () -> "prepared " + snapshotNames() + "; freezing " + targetNames());
        return freezeCutThaw(pending);
    }

    private Outcome freezeCutThaw(List<PendingSnapshot> pending) throws QuiesceException, InterruptedException {
        List<FreezeHandle> handles = new ArrayList<>();
        FreezeWindowEvent event = new FreezeWindowEvent();
        Exception failure = null;
        List<Snapshot> cuts = null;
        long freezeStart = System.nanoTime();
        long windowStart = 0;
        long allFrozen = 0;
        long cutStart = 0;
        long cutEnd = 0;
        try {
            for (Member m : members) {
                if (m.target() == null) {
                    handles.add(null);
                    continue;
                }
                handles.add(m.target().freeze(new FreezeRequest(holder, lease, freezeTimeout)));
                if (windowStart == 0) {
                    windowStart = System.nanoTime();
                    event.begin();
                }
            }
            if (windowStart == 0) {
                windowStart = System.nanoTime();
                event.begin();
            }
            allFrozen = System.nanoTime();
            cutStart = allFrozen;
            cuts = cutWithinBudget(pending, handles, windowStart);
            cutEnd = System.nanoTime();
        } catch (QuiesceException | RuntimeException | InterruptedException e) {
            failure = e;
        }
        failure = thawAllInReverse(handles, failure);
        long windowEnd = System.nanoTime();
        Duration window = Duration.ofNanos(windowStart == 0 ? 0 : windowEnd - windowStart);
        commit(event, failure);
        if (failure != null) {
            abortAll(pending, failure);
            log.log(System.Logger.Level.WARNING, "snapshot of " + targetNames() + " failed after a freeze window of "
                    + window.toMillis() + " ms: " + failure);
            throw rethrow(failure);
        }
        log.log(System.Logger.Level.INFO, () -> "froze " + targetNames() + " for " + window.toMillis()
                + " ms (budget " + budget.toMillis() + " ms) to cut " + snapshotNames());
        List<Snapshot> completed = new ArrayList<>();
        try {
            for (PendingSnapshot p : pending) {
                completed.add(p.complete());
            }
        } catch (SnapshotException | RuntimeException e) {
            abortAll(pending, e);
            throw e;
        }
        return new Outcome(completed, window, Duration.ofNanos(allFrozen - freezeStart),
                Duration.ofNanos(cuts == null ? 0 : cutEnd - cutStart));
    }

    /** Cuts on a worker while this thread renews the leases and watches the budget (C3, C5). */
    private List<Snapshot> cutWithinBudget(List<PendingSnapshot> pending, List<FreezeHandle> handles,
                                           long windowStart) throws QuiesceException, InterruptedException {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quiesce-cut");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<List<Snapshot>> cut = worker.submit(() -> cutAll(pending, handles));
            long renewEvery = Math.max(TimeUnit.MILLISECONDS.toNanos(1), lease.toNanos() / 3);
            long deadline = windowStart + budget.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new FreezeWindowExceededException(targetNames(), budget,
                                Duration.ofNanos(System.nanoTime() - windowStart));
                    }
                    try {
                        return cut.get(Math.min(left, renewEvery), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException stillCutting) {
                        renewAll(handles);
                    }
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof QuiesceException q) {
                    throw q;
                }
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                throw new SnapshotException("coordinator", null, "the cut failed: " + cause, cause);
            } finally {
                cut.cancel(true);
            }
        } finally {
            worker.shutdownNow();
        }
    }

    private List<Snapshot> cutAll(List<PendingSnapshot> pending, List<FreezeHandle> handles) throws SnapshotException {
        List<Snapshot> cuts = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            FreezeHandle h = handles.get(i);
            Optional<BlockUsage> usage = h == null ? Optional.empty() : h.blockUsage();
            boolean uses = members.get(i).provider().capabilities().usesBlockUsage();
            cuts.add(usage.isPresent() && uses ? pending.get(i).cut(usage.get()) : pending.get(i).cut());
        }
        return cuts;
    }

    private static void renewAll(List<FreezeHandle> handles) throws QuiesceException {
        for (FreezeHandle h : handles) {
            if (h != null) {
                h.renew();
            }
        }
    }

    /** Thaws every handle once, last frozen first; a lapse turns success into C5's failure. */
    private Exception thawAllInReverse(List<FreezeHandle> handles, Exception failure) {
        for (int i = handles.size() - 1; i >= 0; i--) {
            FreezeHandle h = handles.get(i);
            if (h == null) {
                continue;
            }
            ThawResult result;
            try {
                result = h.thaw();
            } catch (RuntimeException e) {
                failure = firstOf(failure, e);
                continue;
            }
            if (result == ThawResult.LAPSED || h.lapsed()) {
                failure = firstOf(failure, new LeaseLapsedException(members.get(i).target().name(), h.holder()));
            }
        }
        return failure;
    }

    private static Exception firstOf(Exception first, Exception next) {
        if (first == null) {
            return next;
        }
        if (first != next) {
            first.addSuppressed(next);
        }
        return first;
    }

    private void commit(FreezeWindowEvent event, Exception failure) {
        event.end();
        if (event.shouldCommit()) {
            event.targets = targetNames();
            event.snapshots = snapshotNames();
            event.budget = budget.toNanos();
            event.outcome = failure == null ? "completed" : failure.getClass().getSimpleName() + ": "
                    + failure.getMessage();
            event.commit();
        }
    }

    private static void abortAll(List<PendingSnapshot> pending, Exception failure) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            try {
                pending.get(i).abort();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static QuiesceException rethrow(Exception failure) throws InterruptedException {
        if (failure instanceof InterruptedException ie) {
            throw ie;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        return (QuiesceException) failure;
    }

    private String targetNames() {
        StringJoiner j = new StringJoiner(", ");
        for (Member m : members) {
            j.add(m.target() == null ? m.request().source().id() + " (frozen by " + m.provider().name() + ")"
                    : m.target().name());
        }
        return j.toString();
    }

    private String snapshotNames() {
        StringJoiner j = new StringJoiner(", ");
        for (Member m : members) {
            j.add(m.provider().name() + ":" + m.request().name());
        }
        return j.toString();
    }
}
