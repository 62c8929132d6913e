package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Writers that keep mutating the subject's slots until closed: the load of xfstests generic/068. */
final class Writers implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong done = new AtomicLong();
    private final List<Future<Void>> futures = new ArrayList<>();

    Writers(Background background, FreezableSubject s, int threads) {
        for (int t = 0; t < threads; t++) {
            int slot = t % s.slots();
            futures.add(background.start(() -> {
                long v = 1;
                while (!stop.get()) {
                    s.mutate(slot, v++);
                    done.incrementAndGet();
                    // Paced, so a witness keeps a history it can search quickly.
                    LockSupport.parkNanos(50_000);
                }
                return null;
            }));
        }
    }

    /** Waits until the writers completed {@code count} more mutations (the target is thawed). */
    void awaitProgress(long count) throws InterruptedException {
        long target = done.get() + count;
        long deadline = System.nanoTime() + Background.BOUND.toNanos();
        while (done.get() < target) {
            if (System.nanoTime() > deadline) {
                fail("writers made no progress on a thawed target within " + Background.BOUND);
            }
            Thread.sleep(1);
        }
    }

    /** Stops the writers; the target must be thawed, or they wait for it. */
    @Override
    public void close() {
        stop.set(true);
        for (Future<Void> f : futures) {
            try {
                Background.await(f, "a writer");
            } catch (Exception e) {
                throw new AssertionError("a writer failed: " + e, e);
            }
        }
    }
}
