package dev.quiesce.core.freeze;

import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.ThawResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One holder's hold. Its whole life is one {@link AtomicReference} to an immutable
 * {@link Lease}: "held until deadline", "thawed" or "lapsed". Thaw, renew, close and the
 * lease timer each read it and compare-and-set it, so exactly one of them moves it out
 * of "held" and releases the hold (SPEC.md F3, F4, F8, F9).
 */
final class Hold implements FreezeHandle {

    private enum Status { HELD, THAWED, LAPSED }

    /** The deadline is a {@link System#nanoTime()} value, meaningful only while HELD. */
    private record Lease(Status status, long deadline) { }

    private static final Lease THAWED = new Lease(Status.THAWED, 0);
    private static final Lease LAPSED = new Lease(Status.LAPSED, 0);

    private final FreezeHolds holds;
    private final String holder;
    private final Duration lease;
    private final Thread owner;
    private final Duration freezeDuration;
    private final Optional<BlockUsage> usage;
    private final AtomicReference<Lease> current;
    private volatile ScheduledFuture<?> timer;

    Hold(FreezeHolds holds, String holder, Duration lease, Thread owner, Duration freezeDuration,
         Optional<BlockUsage> usage, long frozenAt) {
        this.holds = holds;
        this.holder = holder;
        this.lease = lease;
        this.owner = owner;
        this.freezeDuration = freezeDuration;
        this.usage = usage;
        this.current = new AtomicReference<>(new Lease(Status.HELD, frozenAt + lease.toNanos()));
    }

    void startLease() {
        schedule(current.get().deadline());
    }

    private void schedule(long deadline) {
        timer = LeaseTimer.schedule(this::expire, deadline - System.nanoTime());
    }

    /** The timer fired: lapse if the deadline really passed, else wait for the new one. */
    private void expire() {
        while (true) {
            Lease now = current.get();
            if (now.status() != Status.HELD) {
                return;
            }
            if (System.nanoTime() - now.deadline() < 0) {
                schedule(now.deadline());
                return;
            }
            if (current.compareAndSet(now, LAPSED)) {
                holds.release(this);
                return;
            }
        }
    }

    @Override
    public ThawResult thaw() {
        while (true) {
            Lease now = current.get();
            if (now.status() == Status.THAWED) {
                return ThawResult.ALREADY_THAWED;
            }
            if (now.status() == Status.LAPSED) {
                return ThawResult.LAPSED;
            }
            // Past the deadline the lease has lapsed, whether or not the timer ran yet.
            boolean expired = System.nanoTime() - now.deadline() >= 0;
            if (current.compareAndSet(now, expired ? LAPSED : THAWED)) {
                cancelTimer();
                ThawResult released = holds.release(this);
                return expired ? ThawResult.LAPSED : released;
            }
        }
    }

    @Override
    public void renew() throws LeaseLapsedException, AlreadyThawedException {
        while (true) {
            Lease now = current.get();
            if (now.status() == Status.THAWED) {
                throw new AlreadyThawedException(holds.targetName(), holder);
            }
            if (now.status() == Status.LAPSED) {
                throw new LeaseLapsedException(holds.targetName(), holder);
            }
            long t = System.nanoTime();
            if (t - now.deadline() >= 0) {
                if (current.compareAndSet(now, LAPSED)) {
                    cancelTimer();
                    holds.release(this);
                    throw new LeaseLapsedException(holds.targetName(), holder);
                }
            } else if (current.compareAndSet(now, new Lease(Status.HELD, t + lease.toNanos()))) {
                // The pending timer sees the later deadline when it fires and reschedules.
                return;
            }
        }
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    Thread owner() {
        return owner;
    }

    @Override public String holder() { return holder; }
    @Override public Duration lease() { return lease; }
    @Override public boolean lapsed() { return current.get().status() == Status.LAPSED; }
    @Override public boolean isHeld() { return current.get().status() == Status.HELD; }
    @Override public Duration freezeDuration() { return freezeDuration; }
    @Override public Optional<BlockUsage> blockUsage() { return usage; }

    @Override
    public String toString() {
        return "hold of '" + holder + "' on " + holds.targetName() + " (" + current.get().status() + ")";
    }
}
