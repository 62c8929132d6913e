package dev.quiesce.fs;

import dev.quiesce.spi.TargetFrozenException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The begin/end brackets around every front-end change, and the door a freeze closes.
 * A change enters before it touches anything and exits when done; {@link #closeAndDrain}
 * makes new changes wait and waits for the ones inside (SPEC.md F1), {@link #open} lets
 * the waiting ones through (F16). A change from the thread that holds the freeze fails
 * at once with {@link TargetFrozenException} instead of waiting for itself (F11). Reads
 * never pass this gate, so they never block while frozen (F10).
 */
final class DeltaGate {
    private final String name;
    private final BooleanSupplier frozenByCurrentThread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean closed;
    private int inside;

    DeltaGate(String name, BooleanSupplier frozenByCurrentThread) {
        this.name = name;
        this.frozenByCurrentThread = frozenByCurrentThread;
    }

    void enter() throws TargetFrozenException, java.io.InterruptedIOException {
        lock.lock();
        try {
            while (closed) {
                if (frozenByCurrentThread.getAsBoolean()) {
                    throw new TargetFrozenException(name, "this thread holds a freeze of the filesystem;"
                            + " thaw it before changing files (F11)");
                }
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException(name + ": interrupted while waiting for a thaw");
                }
            }
            inside++;
        } finally {
            lock.unlock();
        }
    }

    void exit() {
        lock.lock();
        try {
            inside--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the gate and waits for the changes inside; on timeout reopens it and returns false. */
    boolean closeAndDrain(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            closed = true;
            long left = timeoutNanos;
            try {
                while (inside > 0) {
                    if (left <= 0) {
                        closed = false;
                        changed.signalAll();
                        return false;
                    }
                    left = changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                closed = false;
                changed.signalAll();
                throw e;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void open() {
        lock.lock();
        try {
            closed = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
