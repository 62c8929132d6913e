package dev.quiesce.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for the kit's background work, every wait bounded. */
final class Background implements AutoCloseable {
    static final Duration BOUND = Duration.ofSeconds(30);

    private final ExecutorService executor;
    private final List<Future<?>> started = new ArrayList<>();

    Background(String name) {
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tck-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    synchronized <T> Future<T> start(Callable<T> task) {
        Future<T> f = executor.submit(task);
        started.add(f);
        return f;
    }

    /** The task's result; fails the test if it threw or did not finish within {@link #BOUND}. */
    static <T> T await(Future<T> future, String what) throws Exception {
        return await(future, what, BOUND);
    }

    /** As {@link #await(Future, String)} with another bound. */
    static <T> T await(Future<T> future, String what, Duration bound) throws Exception {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not finish within " + bound.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Whether the task is still running after {@code window}: used to see that it waits. */
    static boolean stillWaitingAfter(Future<?> future, Duration window) throws InterruptedException {
        try {
            future.get(window.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** A thread handed from a background task to the test, e.g. to interrupt it. */
    static final class ThreadHandoff {
        private final java.util.concurrent.CountDownLatch set = new java.util.concurrent.CountDownLatch(1);
        private volatile Thread thread;

        void set(Thread t) {
            thread = t;
            set.countDown();
        }

        Thread get() throws InterruptedException {
            if (!set.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("a background task never started within " + BOUND);
            }
            return thread;
        }
    }

    /** Interrupts whatever is still running and drops the threads. */
    @Override
    public synchronized void close() {
        for (Future<?> f : started) {
            f.cancel(true);
        }
        executor.shutdownNow();
    }
}
