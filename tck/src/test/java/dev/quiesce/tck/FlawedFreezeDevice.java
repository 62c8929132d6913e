package dev.quiesce.tck;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.TargetFrozenException;
import dev.quiesce.spi.ThawResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A freezable block device written independently of the core (one monitor guards
 * everything), so that each {@link Flaw} is a small, realistic bug in otherwise honest
 * code. With {@link Flaw#NONE} it passes the whole kit; with any other flaw the kit
 * must fail exactly the rule the flaw is named after.
 */
final class FlawedFreezeDevice implements BlockDevice, Freezable {

    enum Flaw {
        NONE,
        /** The freeze drains but forgets to flush. */
        F1_NO_FLUSH,
        /** Writes that wait long at the gate are written through to the device meanwhile. */
        F2_WRITE_THROUGH_WHILE_WAITING,
        /** Thaw checks "already thawed" outside the lock: two racing thaws both release. */
        F3_UNGUARDED_THAW,
        /** The lease timer checks "released" outside the lock, and thaw leaves the deadline to it: a thaw racing it releases twice. */
        F4_TIMER_RACES_THAW,
        /** A timed-out freeze gives up but leaves the gate closed. */
        F5_NO_ROLLBACK_ON_TIMEOUT,
        /** An interrupted freeze gives up but leaves the gate closed. */
        F6_NO_ROLLBACK_ON_INTERRUPT,
        /** Two holder slots (kernel and user, as old Linux): a third holder shares one. */
        F7_TWO_HOLDER_SLOTS,
        /** The lease is counted from the request, not from the completed freeze. */
        F8_LEASE_FROM_REQUEST,
        /** A lapse marks the hold but releases it only when the dead holder thaws. */
        F9_LAPSE_DEFERS_RELEASE,
        /** Readers queue behind a writer waiting at the gate (writer-preferring lock). */
        F10_READS_QUEUE_BEHIND_WRITERS,
        /** A write from the holder thread waits at the gate like any other. */
        F11_HOLDER_WRITE_WAITS,
        /** A freeze arriving while another drains piggybacks on it and returns early. */
        F12_PIGGYBACK_ON_DRAINING_FREEZE,
        /** Close ignores the freeze. */
        F13_CLOSE_IGNORES_FREEZE,
        /** Closing a handle does nothing. */
        F14_CLOSE_DOES_NOT_THAW,
        /** The usage bitmap marks nothing in use. */
        F15_EMPTY_USAGE,
        /** Writes that had to wait at the gate are dropped silently after the thaw. */
        F16_DROPS_WAITING_WRITES
    }

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flawed-lease-timer");
        t.setDaemon(true);
        return t;
    });
    private static final long WRITE_THROUGH_AFTER_NANOS = 20_000_000;

    private final BlockDevice device;
    private final Flaw flaw;
    private final Object lock = new Object();
    private final Set<Hold> holds = new HashSet<>();
    private boolean gateClosed;
    private boolean draining;
    private boolean closed;
    private int inFlight;
    private int holders;
    private int waitingWriters;
    private long frozenSince;

    FlawedFreezeDevice(BlockDevice device, Flaw flaw) {
        this.device = device;
        this.flaw = flaw;
    }

    @Override public String name() { return "flawed(" + flaw + ")"; }
    @Override public int blockSize() { return device.blockSize(); }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return false; }

    @Override
    public FreezeState state() {
        synchronized (lock) {
            return draining ? FreezeState.FREEZING : gateClosed ? FreezeState.FROZEN : FreezeState.THAWED;
        }
    }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        if (flaw == Flaw.F10_READS_QUEUE_BEHIND_WRITERS) {
            synchronized (lock) {
                while (gateClosed && waitingWriters > 0) {
                    waitOn(lock, 5);
                }
            }
        }
        device.read(block, dst);
    }

    private static void waitOn(Object monitor, long millis) throws InterruptedIOException {
        try {
            monitor.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private boolean heldByMe() {
        for (Hold h : holds) {
            if (h.owner == Thread.currentThread()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        boolean waited = false;
        boolean written = false;
        synchronized (lock) {
            while (gateClosed) {
                if (closed) {
                    throw new IOException(name() + " closed");
                }
                if (flaw != Flaw.F11_HOLDER_WRITE_WAITS && heldByMe()) {
                    throw new TargetFrozenException(name(), "write from the holder thread");
                }
                if (flaw == Flaw.F2_WRITE_THROUGH_WHILE_WAITING && !written && !draining
                        && System.nanoTime() - frozenSince > WRITE_THROUGH_AFTER_NANOS) {
                    device.write(block, src.duplicate());
                    written = true;
                }
                waited = true;
                waitingWriters++;
                try {
                    // Polls, for the F2 flaw's timed write-through; notifying here would let
                    // waiting writers wake each other forever and starve the thaw of the monitor.
                    waitOn(lock, 5);
                } finally {
                    waitingWriters--;
                }
            }
            if (waited && flaw == Flaw.F16_DROPS_WAITING_WRITES) {
                src.position(src.limit());
                return;
            }
            inFlight++;
        }
        try {
            if (written) {
                src.position(src.limit());
            } else {
                device.write(block, src);
            }
        } finally {
            synchronized (lock) {
                inFlight--;
                lock.notifyAll();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            if (gateClosed) {
                return;
            }
            inFlight++;
        }
        try {
            device.flush();
        } finally {
            synchronized (lock) {
                inFlight--;
                lock.notifyAll();
            }
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (flaw != Flaw.F13_CLOSE_IGNORES_FREEZE && (gateClosed || holders > 0)) {
                throw new TargetFrozenException(name(), "frozen");
            }
            closed = true;
        }
    }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        long requested = System.nanoTime();
        long deadline = requested + request.freezeTimeout().toNanos();
        synchronized (lock) {
            while (draining && flaw != Flaw.F12_PIGGYBACK_ON_DRAINING_FREEZE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new FreezeTimeoutException(name(), request.freezeTimeout());
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            if (holders > 0 || draining) {
                return addHoldLocked(request, requested);
            }
            drainLocked(request, deadline);
        }
        // The flush runs outside the monitor, so a concurrent freeze can see FREEZING.
        try {
            LockSupport.parkNanos(200_000);
            if (flaw != Flaw.F1_NO_FLUSH) {
                device.flush();
            }
        } catch (IOException e) {
            synchronized (lock) {
                draining = false;
                gateClosed = false;
                lock.notifyAll();
            }
            throw new FreezeException(name(), "flush failed", e);
        }
        synchronized (lock) {
            draining = false;
            frozenSince = System.nanoTime();
            lock.notifyAll();
            return addHoldLocked(request, requested);
        }
    }

    private Hold addHoldLocked(FreezeRequest request, long requested) {
        holders = flaw == Flaw.F7_TWO_HOLDER_SLOTS ? Math.min(holders + 1, 2) : holders + 1;
        long start = flaw == Flaw.F8_LEASE_FROM_REQUEST ? requested : System.nanoTime();
        Hold hold = new Hold(request, start);
        holds.add(hold);
        return hold;
    }

    private void drainLocked(FreezeRequest request, long deadline) throws FreezeException, InterruptedException {
        if (closed) {
            throw new FreezeException(name(), "closed");
        }
        gateClosed = true;
        draining = true;
        try {
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new FreezeTimeoutException(name(), request.freezeTimeout());
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        } catch (FreezeTimeoutException e) {
            draining = false;
            gateClosed = flaw == Flaw.F5_NO_ROLLBACK_ON_TIMEOUT;
            lock.notifyAll();
            throw e;
        } catch (InterruptedException e) {
            draining = false;
            gateClosed = flaw == Flaw.F6_NO_ROLLBACK_ON_INTERRUPT;
            lock.notifyAll();
            throw e;
        }
    }

    /** Releases one hold; called with the lock held. */
    private ThawResult releaseLocked(Hold hold) {
        holds.remove(hold);
        if (holders > 0) {
            holders--;
        }
        if (holders > 0) {
            return ThawResult.STILL_FROZEN;
        }
        gateClosed = false;
        lock.notifyAll();
        return ThawResult.THAWED;
    }

    private final class Hold implements FreezeHandle {
        private final FreezeRequest request;
        private final Thread owner = Thread.currentThread();
        private long deadline;
        private volatile boolean released;
        private boolean lapsed;
        private boolean pendingRelease;
        private ScheduledFuture<?> timer;

        Hold(FreezeRequest request, long start) {
            this.request = request;
            this.deadline = start + request.lease().toNanos();
            schedule();
        }

        private void schedule() {
            timer = TIMER.schedule(this::expire, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        private void expire() {
            if (flaw == Flaw.F4_TIMER_RACES_THAW) {
                if (released) {
                    return;
                }
                LockSupport.parkNanos(50_000);
                synchronized (lock) {
                    if (lapsed) {
                        return;
                    }
                    if (System.nanoTime() < deadline) {
                        schedule();
                        return;
                    }
                    lapsed = true;
                    released = true;
                    releaseLocked(this);
                }
                return;
            }
            synchronized (lock) {
                if (released) {
                    return;
                }
                if (System.nanoTime() < deadline) {
                    schedule();
                    return;
                }
                lapsed = true;
                released = true;
                if (flaw == Flaw.F9_LAPSE_DEFERS_RELEASE) {
                    pendingRelease = true;
                } else {
                    releaseLocked(this);
                }
            }
        }

        @Override
        public ThawResult thaw() {
            if (flaw == Flaw.F3_UNGUARDED_THAW) {
                if (released) {
                    return lapsed ? ThawResult.LAPSED : ThawResult.ALREADY_THAWED;
                }
                Thread.yield();
                synchronized (lock) {
                    if (lapsed) {
                        return ThawResult.LAPSED;
                    }
                    released = true;
                    timer.cancel(false);
                    return releaseLocked(this);
                }
            }
            synchronized (lock) {
                if (released) {
                    if (pendingRelease) {
                        pendingRelease = false;
                        releaseLocked(this);
                    }
                    return lapsed ? ThawResult.LAPSED : ThawResult.ALREADY_THAWED;
                }
                released = true;
                timer.cancel(false);
                // The F4 flaw trusts the timer to notice the deadline and skips this check.
                if (flaw != Flaw.F4_TIMER_RACES_THAW && System.nanoTime() >= deadline) {
                    lapsed = true;
                    releaseLocked(this);
                    return ThawResult.LAPSED;
                }
                return releaseLocked(this);
            }
        }

        @Override
        public void renew() throws LeaseLapsedException, AlreadyThawedException {
            synchronized (lock) {
                if (lapsed) {
                    throw new LeaseLapsedException(name(), request.holder());
                }
                if (released) {
                    throw new AlreadyThawedException(name(), request.holder());
                }
                long now = System.nanoTime();
                if (now >= deadline) {
                    lapsed = true;
                    released = true;
                    timer.cancel(false);
                    releaseLocked(this);
                    throw new LeaseLapsedException(name(), request.holder());
                }
                deadline = now + request.lease().toNanos();
            }
        }

        @Override public String holder() { return request.holder(); }
        @Override public Duration lease() { return request.lease(); }

        @Override
        public boolean lapsed() {
            synchronized (lock) {
                return lapsed;
            }
        }

        @Override
        public boolean isHeld() {
            synchronized (lock) {
                return !released;
            }
        }

        @Override public Duration freezeDuration() { return Duration.ZERO; }

        @Override
        public Optional<BlockUsage> blockUsage() {
            return Optional.of(flaw == Flaw.F15_EMPTY_USAGE
                    ? BlockUsage.of(device.blockSize(), device.blockCount(), new long[(int) ((device.blockCount() + 63) / 64)])
                    : BlockUsage.allUsed(device.blockSize(), device.blockCount()));
        }

        @Override
        public void close() {
            if (flaw != Flaw.F14_CLOSE_DOES_NOT_THAW) {
                thaw();
            }
        }
    }
}
