package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fsyncs from several threads at once on a real file-backed device, while another thread
 * interrupts them at random: fsyncs commit on their own threads or share the committer's
 * commit, interrupted ones leave theirs to the committer, and an interrupt landing in
 * the middle of a device write (which makes the JDK close the file channel) costs
 * nothing. At the end every file holds what its last completed fsync made durable, and
 * the image is clean. {@code -Dquiesce.stress.iterations} sets the number of fsyncs
 * (2,000 by default).
 */
class FsyncStressTest {
    private static final int FSYNCS = Integer.getInteger("quiesce.stress.iterations", 2000);

    @TempDir
    Path dir;

    @Test
    void concurrentInterruptedFsyncsLoseNothingAndLeaveACleanImage() throws Exception {
        Path image = dir.resolve("stress.img");
        int threads = 4;
        List<Map<String, byte[]>> durable = new ArrayList<>();
        AtomicLong interruptsTaken = new AtomicLong();
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, 8192, true)) {
            Dusk.format(dev);
            Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Thread> workers = new ArrayList<>();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Map<String, byte[]> mine = new ConcurrentHashMap<>();
                durable.add(mine);
                fs.mkdir("/t" + id);
                futures.add(pool.submit(() -> {
                    synchronized (workers) {
                        workers.add(Thread.currentThread());
                    }
                    Random r = new Random(id);
                    for (int i = 0; i < FSYNCS / threads; i++) {
                        String name = "/t" + id + "/f" + (i % 4);
                        byte[] data = new byte[1 + r.nextInt(3 * 4096)];
                        r.nextBytes(data);
                        retrying(() -> {
                            try (DuskFile f = fs.open(name)) {
                                f.truncate(0);
                                f.write(0, ByteBuffer.wrap(data));
                            } catch (java.nio.file.NoSuchFileException missing) {
                                try (DuskFile f = fs.create(name)) {
                                    f.write(0, ByteBuffer.wrap(data));
                                }
                            }
                        }, interruptsTaken);
                        retrying(() -> {
                            try (DuskFile f = fs.open(name)) {
                                f.fsync();
                            }
                        }, interruptsTaken);
                        mine.put(name, data);
                    }
                    return null;
                }));
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread interrupter = new Thread(() -> {
                Random r = new Random(99);
                while (!stop.get()) {
                    synchronized (workers) {
                        if (!workers.isEmpty()) {
                            workers.get(r.nextInt(workers.size())).interrupt();
                        }
                    }
                    try {
                        Thread.sleep(0, 100_000 + r.nextInt(400_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            interrupter.start();
            try {
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                stop.set(true);
                interrupter.join();
                pool.shutdownNow();
            }
            fs.close();
            FsckReport report = Dusk.fsck(dev);
            assertTrue(report.isClean(), report.toString());
        }
        assertTrue(interruptsTaken.get() > 0, "no operation was ever interrupted: the test tested nothing");
        try (FileBlockDevice dev = FileBlockDevice.open(image, 4096, true);
             Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            for (Map<String, byte[]> mine : durable) {
                for (Map.Entry<String, byte[]> e : mine.entrySet()) {
                    assertArrayEquals(e.getValue(), fs.readFile(e.getKey()), e.getKey());
                }
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} until it completes without being interrupted (an interrupt is not a failure). */
    private static void retrying(Step step, AtomicLong interruptsTaken) throws Exception {
        while (true) {
            try {
                step.run();
                Thread.interrupted();
                return;
            } catch (InterruptedIOException e) {
                Thread.interrupted();
                interruptsTaken.incrementAndGet();
            }
        }
    }
}
