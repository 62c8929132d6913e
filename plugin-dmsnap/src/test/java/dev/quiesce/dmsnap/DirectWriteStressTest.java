package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import java.io.IOException;
import dev.quiesce.spi.Snapshot;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock-free write path ({@link DirectChunks}) under races: writers share every chunk
 * (each owns one block of it, so the copy path's read-modify-write of a chunk must never
 * lose a neighbour's lock-free write), while snapshots with and without usage bitmaps are
 * cut and deleted without any freeze, and snapshots cut with a freeze are checked against
 * the image taken at their cut.
 */
class DirectWriteStressTest {
    private static final int CHUNK = 2048;
    private static final int PER_CHUNK = CHUNK / Fixture.BLOCK;
    private static final int BLOCKS = 256;
    private static final int ITERATIONS = Integer.getInteger("quiesce.stress.iterations", 10_000);

    @Test
    @Timeout(180)
    void noWriteIsLostAndFrozenCutsStayExactWhileCutsRaceLockFreeWrites() throws Exception {
        // Single-block writes (the writers' own) linger before they land, so a cut or a copy
        // that does not wait for a lock-free write in flight would overtake it.
        BlockDevice slow = new LingeringWrites(new MemoryBlockDevice("origin", Fixture.BLOCK, BLOCKS));
        try (Fixture f = new Fixture(CHUNK, slow, new MemoryBlockDevice("store", Fixture.BLOCK, 32768))) {
            f.fill(0, BLOCKS, 1);
            byte[][] expected = new byte[BLOCKS][];
            ReentrantReadWriteLock freeze = new ReentrantReadWriteLock();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean writersDone = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < PER_CHUNK; w++) {
                int owner = w;
                writers.add(new Thread(() -> {
                    Random r = new Random(100 + owner);
                    try {
                        for (int i = 0; i < ITERATIONS && failure.get() == null; i++) {
                            int block = r.nextInt(BLOCKS / PER_CHUNK) * PER_CHUNK + owner;
                            byte[] data = new byte[Fixture.BLOCK];
                            r.nextBytes(data);
                            freeze.readLock().lock();
                            try {
                                f.origin.write(block, ByteBuffer.wrap(data));
                                if (i % 211 == 0) {
                                    f.origin.flush();
                                }
                            } finally {
                                freeze.readLock().unlock();
                            }
                            expected[block] = data;
                            // Read-after-write (D4) on one of this writer's blocks, written
                            // earlier: a write lost under a neighbour's copy shows up here.
                            int check = r.nextInt(BLOCKS / PER_CHUNK) * PER_CHUNK + owner;
                            if (expected[check] != null) {
                                ByteBuffer back = ByteBuffer.allocate(Fixture.BLOCK);
                                f.origin.read(check, back);
                                assertArrayEquals(expected[check], back.array(), "block " + check + " read back");
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "writer-" + w));
            }
            Thread churn = new Thread(() -> {
                Random r = new Random(7);
                ArrayDeque<String> live = new ArrayDeque<>();
                try {
                    for (int k = 0; !writersDone.get() && failure.get() == null; k++) {
                        String name = "churn" + k;
                        if (r.nextBoolean()) {
                            f.snap(name, randomUsage(r));
                        } else {
                            f.snap(name);
                        }
                        live.add(name);
                        if (live.size() > 2) {
                            f.provider.delete(live.poll());
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "churn");
            writers.forEach(Thread::start);
            churn.start();
            List<Snapshot> frozen = new ArrayList<>();
            List<byte[]> images = new ArrayList<>();
            for (int s = 0; s < 4 && failure.get() == null; s++) {
                Thread.sleep(20);
                freeze.writeLock().lock();
                try {
                    images.add(f.originBytes());
                    frozen.add(f.snap("frozen" + s));
                } finally {
                    freeze.writeLock().unlock();
                }
            }
            for (Thread t : writers) {
                t.join();
            }
            writersDone.set(true);
            churn.join();
            assertNull(failure.get(), () -> "failed: " + failure.get());
            for (int i = 0; i < frozen.size(); i++) {
                assertArrayEquals(images.get(i), Fixture.contents(frozen.get(i)), "frozen snapshot " + i);
            }
            f.origin.flush();
            byte[] origin = f.originBytes();
            byte[] real = Fixture.readAll(f.real);
            byte[] initial = Fixture.pattern(BLOCKS * Fixture.BLOCK, 1);
            for (int b = 0; b < BLOCKS; b++) {
                byte[] want = expected[b] != null ? expected[b]
                        : java.util.Arrays.copyOfRange(initial, b * Fixture.BLOCK, (b + 1) * Fixture.BLOCK);
                int from = b * Fixture.BLOCK;
                assertArrayEquals(want, java.util.Arrays.copyOfRange(origin, from, from + Fixture.BLOCK),
                        "origin block " + b + " through the origin device");
                assertArrayEquals(want, java.util.Arrays.copyOfRange(real, from, from + Fixture.BLOCK),
                        "origin block " + b + " on the real device after a flush");
            }
        }
    }

    /**
     * The lock-free path is real: while the engine's lock is held, a rewrite of a chunk
     * already copied in this interval completes, and a first write to a chunk the snapshot
     * needs waits for the lock.
     */
    @Test
    @Timeout(60)
    void rewritesOfCopiedChunksDoNotWaitForTheEngineLock() throws Exception {
        try (Fixture f = new Fixture(CHUNK, BLOCKS, 32768)) {
            f.fill(0, BLOCKS, 1);
            f.snap("s");
            f.write(0, Fixture.pattern(Fixture.BLOCK, 2));
            f.origin.flush();
            CowEngine engine = f.provider.engineOf(f.origin);
            CountDownLatch rewritten = new CountDownLatch(1);
            CountDownLatch firstWritten = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            engine.lock.writeLock().lock();
            try {
                Thread rewrite = new Thread(() -> run(failure, rewritten, () -> f.write(1, Fixture.pattern(Fixture.BLOCK, 3))));
                Thread first = new Thread(() -> run(failure, firstWritten,
                        () -> f.write(PER_CHUNK * 5, Fixture.pattern(Fixture.BLOCK, 4))));
                rewrite.start();
                first.start();
                assertTrue(rewritten.await(20, TimeUnit.SECONDS), "the rewrite waited for the engine lock");
                assertFalse(firstWritten.await(200, TimeUnit.MILLISECONDS), "a first write did not wait for its copy");
            } finally {
                engine.lock.writeLock().unlock();
            }
            assertTrue(firstWritten.await(20, TimeUnit.SECONDS));
            assertNull(failure.get());
            byte[] chunk0 = new byte[CHUNK];
            System.arraycopy(Fixture.pattern(BLOCKS * Fixture.BLOCK, 1), 0, chunk0, 0, CHUNK);
            try (var view = f.provider.list().get(0).open()) {
                ByteBuffer b = ByteBuffer.allocate(CHUNK);
                view.read(0, b);
                assertArrayEquals(chunk0, b.array(), "the snapshot keeps chunk 0 as it was at the cut");
            }
        }
    }

    private interface Write {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failure, CountDownLatch done, Write w) {
        try {
            w.run();
            done.countDown();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** Delays every single-block write by 20 us before passing it on. */
    private static final class LingeringWrites implements BlockDevice {
        private final BlockDevice target;

        LingeringWrites(BlockDevice target) {
            this.target = target;
        }

        @Override public int blockSize() { return target.blockSize(); }
        @Override public long blockCount() { return target.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public String name() { return target.name(); }
        @Override public void read(long block, ByteBuffer dst) throws IOException { target.read(block, dst); }
        @Override public void flush() throws IOException { target.flush(); }
        @Override public void close() throws IOException { target.close(); }

        @Override
        public void write(long block, ByteBuffer src) throws IOException {
            if (src.remaining() == target.blockSize()) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            target.write(block, src);
        }
    }

    /** Blocks of a quarter of the chunks in use, chosen at random. */
    private static BlockUsage randomUsage(Random r) {
        long[] words = new long[(BLOCKS + 63) / 64];
        for (int c = 0; c < BLOCKS / PER_CHUNK; c++) {
            if (r.nextInt(4) == 0) {
                int b = c * PER_CHUNK + r.nextInt(PER_CHUNK);
                words[b >>> 6] |= 1L << b;
            }
        }
        return BlockUsage.of(Fixture.BLOCK, BLOCKS, words);
    }
}
