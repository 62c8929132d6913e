package dev.quiesce.cdi;

import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fires the lifecycle events with the threading each one promises.
 *
 * <p>{@link BeforeFreeze} goes synchronously to the caller's observers, whose exception
 * is the veto. {@link Frozen} and {@link SnapshotCut} happen while a target is frozen,
 * so the freezing thread only hands them to one bounded notification thread and
 * returns: it never waits for an observer, never logs (SPEC.md C8), and when the queue
 * is full the notice is dropped and counted instead of blocking. The after-thaw events
 * are synchronous; an observer that throws there is logged (nothing is frozen any more)
 * and the operation's outcome stands.
 */
final class LifecycleEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LifecycleEvents.class.getName());
    private static final int QUEUE = 256;

    private final Event<Object> events;
    private final ThreadPoolExecutor notifier;
    private final AtomicLong dropped = new AtomicLong();

    LifecycleEvents(Event<Object> events) {
        this.events = events;
        this.notifier = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "quiesce-cdi-notify");
            t.setDaemon(true);
            return t;
        }, (task, executor) -> dropped.incrementAndGet());
        notifier.allowCoreThreadTimeOut(true);
    }

    /** Synchronous; an observer's exception comes back as the veto. */
    void beforeFreeze(BeforeFreeze event) throws FreezeVetoedException {
        try {
            events.select(BeforeFreeze.class).fire(event);
        } catch (RuntimeException e) {
            throw new FreezeVetoedException(event.operation(), e);
        }
    }

    /** Called on the freezing thread while frozen: hand off and return at once. */
    void whileFrozen(Object event) {
        if (notifier.isShutdown()) {
            dropped.incrementAndGet();
            return;
        }
        try {
            events.fireAsync(event, NotificationOptions.ofExecutor(notifier));
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
        }
    }

    /** After every target thawed: synchronous, an observer failure is only logged. */
    void afterThaw(Object event) {
        try {
            events.fire(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an observer of " + event.getClass().getSimpleName() + " failed", e);
        }
    }

    /** A problem worth a warning, reported after every target thawed. */
    void note(String what, Throwable cause) {
        LOG.log(Level.WARNING, what, cause);
    }

    /** How many in-freeze notices were dropped because the notification thread was saturated. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        notifier.shutdown();
    }
}
