package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * D6 and S2 under concurrency: writers hammer the origin while readers keep reading
 * every snapshot; each snapshot must read exactly its cut at every moment.
 */
class ConcurrencyTest {
    private static final int BLOCKS = 512;
    private static final int ITERATIONS = Math.min(2000, Integer.getInteger("quiesce.stress.iterations", 10_000) / 5);

    @Test
    @Timeout(120)
    void snapshotsReadTheirCutWhileWritersRun() throws Exception {
        try (Fixture f = new Fixture(2048, BLOCKS, 16384)) {
            f.fill(0, BLOCKS, 1);
            List<Snapshot> snaps = new ArrayList<>();
            List<byte[]> images = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            // What a freeze does for the cut: every write runs under the shared side, the cut
            // takes the exclusive side, so the source is quiet while the image is taken and cut.
            // (Not the engine's lock: writes to chunks no snapshot needs do not take it.)
            ReentrantReadWriteLock freeze = new ReentrantReadWriteLock();
            for (int w = 0; w < 3; w++) {
                int seed = w;
                threads.add(new Thread(() -> {
                    Random r = new Random(seed);
                    byte[] data = new byte[Fixture.BLOCK * 3];
                    try {
                        for (int i = 0; i < ITERATIONS && !stop.get(); i++) {
                            r.nextBytes(data);
                            int block = r.nextInt(BLOCKS - 3);
                            freeze.readLock().lock();
                            try {
                                f.origin.write(block, ByteBuffer.wrap(data, 0, Fixture.BLOCK * (1 + r.nextInt(3))));
                                if (i % 97 == 0) {
                                    f.origin.flush();
                                }
                            } finally {
                                freeze.readLock().unlock();
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "writer-" + w));
            }
            threads.add(new Thread(() -> {
                try {
                    while (!stop.get()) {
                        List<Snapshot> current;
                        List<byte[]> expected;
                        synchronized (snaps) {
                            current = new ArrayList<>(snaps);
                            expected = new ArrayList<>(images);
                        }
                        for (int i = 0; i < current.size(); i++) {
                            try (BlockDevice view = current.get(i).open()) {
                                assertArrayEquals(expected.get(i), Fixture.readAll(view), "snapshot " + i);
                            }
                        }
                        Thread.sleep(1);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "reader"));
            threads.forEach(Thread::start);
            for (int s = 0; s < 4 && failure.get() == null; s++) {
                Thread.sleep(30);
                freeze.writeLock().lock();
                byte[] image;
                Snapshot snap;
                try {
                    image = f.originBytes();
                    snap = f.snap("c" + s);
                } finally {
                    freeze.writeLock().unlock();
                }
                synchronized (snaps) {
                    snaps.add(snap);
                    images.add(image);
                }
            }
            for (int i = 0; i < 3; i++) {
                threads.get(i).join();
            }
            stop.set(true);
            threads.get(3).join();
            assertNull(failure.get(), () -> "failed: " + failure.get());
            for (int i = 0; i < snaps.size(); i++) {
                assertArrayEquals(images.get(i), Fixture.contents(snaps.get(i)));
            }
        }
    }
}
