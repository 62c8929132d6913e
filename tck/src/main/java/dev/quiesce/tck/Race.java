package dev.quiesce.tck;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the same number of actions on long-lived threads released together by a barrier,
 * over and over: thousands of races cost no thread starts. Each {@link #run} is bounded.
 */
final class Race implements AutoCloseable {
    private static final long BOUND_SECONDS = 30;

    private final Thread[] threads;
    private final CyclicBarrier start;
    private final CyclicBarrier end;
    private volatile Callable<?>[] actions;
    private final Object[] results;
    private final Throwable[] errors;
    private volatile boolean closed;

    Race(String name, int parties) {
        threads = new Thread[parties];
        start = new CyclicBarrier(parties + 1);
        end = new CyclicBarrier(parties + 1);
        results = new Object[parties];
        errors = new Throwable[parties];
        for (int i = 0; i < parties; i++) {
            int index = i;
            threads[i] = new Thread(() -> loop(index), "tck-race-" + name + "-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    private void loop(int index) {
        try {
            while (!closed) {
                start.await();
                if (closed) {
                    return;
                }
                try {
                    results[index] = actions[index].call();
                    errors[index] = null;
                } catch (Throwable t) {
                    results[index] = null;
                    errors[index] = t;
                }
                end.await();
            }
        } catch (InterruptedException | BrokenBarrierException e) {
            // closed, or the main side gave up on a stuck race
        }
    }

    /** Runs one action per thread at once and returns their results in order. */
    Object[] run(Callable<?>... racers) throws Exception {
        if (racers.length != threads.length) {
            throw new IllegalArgumentException("need " + threads.length + " actions, got " + racers.length);
        }
        actions = racers;
        try {
            start.await(BOUND_SECONDS, TimeUnit.SECONDS);
            end.await(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("a racing action did not finish within " + BOUND_SECONDS + " s (deadlock?)", e);
        }
        for (Throwable t : errors) {
            if (t != null) {
                throw new AssertionError("a racing action threw: " + t, t);
            }
        }
        return results.clone();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
