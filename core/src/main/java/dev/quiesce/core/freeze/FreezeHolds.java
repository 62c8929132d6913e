package dev.quiesce.core.freeze;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.ThawResult;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hold manager every {@link dev.quiesce.spi.Freezable} can delegate to: it turns one
 * real freeze/thaw of a {@link Target} into any number of holds with leases, and gets the
 * races right once for everybody.
 *
 * <h2>What it guarantees (SPEC.md)</h2>
 * <ul>
 *   <li>F3: each handle has one atomic state (held, thawed, lapsed); exactly one
 *       compare-and-set moves it out of "held", so exactly one caller releases it.</li>
 *   <li>F4, F9: the lease timer, a thaw, a close and a renewal all race through that same
 *       compare-and-set; a thaw or renewal that arrives after the deadline lapses the
 *       hold itself, so the outcome never depends on how late the timer runs.</li>
 *   <li>F5, F6, F12: the first holder calls {@link Target#freeze} with what is left of
 *       its {@link FreezeRequest#freezeTimeout()} while holding the transition lock;
 *       concurrent freezers wait for that lock within their own timeout. A failed,
 *       interrupted or late freeze is rolled back before the caller hears of it, so
 *       nobody ever gets a hold on a half-frozen target.</li>
 *   <li>F7: the target is thawed for real only when the last hold is released.</li>
 *   <li>F8: a lease starts when the freeze completes; {@code renew()} moves the deadline
 *       to now + lease.</li>
 *   <li>F11: {@link #frozenByCurrentThread()} tells a target's write path that the
 *       caller holds the freeze, so it can fail fast instead of waiting for itself.</li>
 *   <li>F14: closing a handle thaws it; closing it again does nothing.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Transitions of the shared state (holder count, {@link FreezeState}) happen under one
 * lock; {@link Target#freeze} and {@link Target#thaw} are called under it, so they never
 * run concurrently with each other. Lease expiry runs on a shared daemon scheduler thread.
 * {@link #state()}, {@link #holders()} and {@link #frozenByCurrentThread()} never block.
 */
public final class FreezeHolds {

    /** What the {@link dev.quiesce.spi.Freezable} does for real. */
    public interface Target {
        /**
         * Freezes for real (called for the first holder only): block new mutations, drain
         * in-flight ones, flush (F1). On failure, timeout or interrupt it must leave the
         * target thawed before throwing (F5, F6).
         *
         * @param timeout what is left of the caller's freeze timeout
         * @return the block-usage bitmap at the freeze, if the target knows it (F15)
         */
        Optional<BlockUsage> freeze(Duration timeout) throws FreezeException, InterruptedException;

        /** Thaws for real (the last hold was released by thaw or lapse). Must not throw. */
        void thaw();
    }

    private static final System.Logger LOG = System.getLogger(FreezeHolds.class.getName());

    private final String targetName;
    private final Target target;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<Hold> active = ConcurrentHashMap.newKeySet();
    private volatile FreezeState state = FreezeState.THAWED;
    private volatile Optional<BlockUsage> usage = Optional.empty();

    public FreezeHolds(String targetName, Target target) {
        this.targetName = Objects.requireNonNull(targetName, "targetName");
        this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Takes a hold for {@code request.holder()}, freezing the target for real if nobody
     * holds it yet (F1, F5, F6, F7, F12).
     *
     * @throws FreezeTimeoutException if the freeze, or the wait for a concurrent one, did
     *         not finish within {@code request.freezeTimeout()}; nothing changed
     * @throws FreezeException if the target failed to freeze; it was left thawed
     * @throws InterruptedException if interrupted; nothing changed
     */
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        Objects.requireNonNull(request, "request");
        long start = System.nanoTime();
        long budget = request.freezeTimeout().toNanos();
        if (!lock.tryLock(budget, TimeUnit.NANOSECONDS)) {
            throw new FreezeTimeoutException(targetName, request.freezeTimeout());
        }
        try {
            if (active.isEmpty()) {
                freezeTargetLocked(request, start, budget);
            }
            long frozenAt = System.nanoTime();
            Hold hold = new Hold(this, request.holder(), request.lease(), Thread.currentThread(),
                    Duration.ofNanos(frozenAt - start), usage, frozenAt);
            active.add(hold);
            hold.startLease();
            return hold;
        } finally {
            lock.unlock();
        }
    }

    private void freezeTargetLocked(FreezeRequest request, long start, long budget)
            throws FreezeException, InterruptedException {
        state = FreezeState.FREEZING;
        boolean frozen = false;
        try {
            long left = budget - (System.nanoTime() - start);
            if (left <= 0) {
                throw new FreezeTimeoutException(targetName, request.freezeTimeout());
            }
            Optional<BlockUsage> reported = target.freeze(Duration.ofNanos(left));
            frozen = true;
            if (System.nanoTime() - start > budget) {
                // The target overran the bound it was given: F5 says the caller must not
                // get a hold it would have given up on, so undo the freeze.
                target.thaw();
                frozen = false;
                throw new FreezeTimeoutException(targetName, request.freezeTimeout());
            }
            usage = reported == null ? Optional.empty() : reported;
            state = FreezeState.FROZEN;
        } catch (RuntimeException e) {
            if (frozen) {
                target.thaw();
            }
            throw new FreezeException(targetName, "freeze failed: " + e, e);
        } finally {
            if (state != FreezeState.FROZEN) {
                state = FreezeState.THAWED;
                usage = Optional.empty();
            }
        }
    }

    /** Releases one hold (called exactly once per hold, by whoever won its CAS). */
    ThawResult release(Hold hold) {
        lock.lock();
        try {
            if (!active.remove(hold)) {
                throw new IllegalStateException(targetName + ": hold of '" + hold.holder()
                        + "' released twice (FreezeHolds bug)");
            }
            if (!active.isEmpty()) {
                return ThawResult.STILL_FROZEN;
            }
            try {
                target.thaw();
            } catch (RuntimeException e) {
                // Target.thaw must not throw; if it does, the hold is gone all the same and
                // the caller must not see a thaw that half happened.
                LOG.log(System.Logger.Level.ERROR, targetName + ": thaw threw, target state unknown", e);
            }
            state = FreezeState.THAWED;
            usage = Optional.empty();
            return ThawResult.THAWED;
        } finally {
            lock.unlock();
        }
    }

    String targetName() {
        return targetName;
    }

    /** The current state (F1, F7); may change right after it is read. */
    public FreezeState state() {
        return state;
    }

    /** True if the current thread took one of the active holds (for F11). */
    public boolean frozenByCurrentThread() {
        Thread me = Thread.currentThread();
        for (Hold hold : active) {
            if (hold.owner() == me) {
                return true;
            }
        }
        return false;
    }

    /** How many holds are active now. */
    public int holders() {
        return active.size();
    }

    @Override
    public String toString() {
        return "FreezeHolds[" + targetName + ", " + state + ", " + holders() + " holders]";
    }
}
