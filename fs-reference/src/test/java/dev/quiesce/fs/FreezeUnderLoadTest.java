package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import java.nio.ByteBuffer;
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

/**
 * The xfstests generic/068 and generic/390 patterns: writer threads create, write,
 * rename, unlink and fsync while freeze/thaw cycles run. The recording device proves that
 * nothing reached the device between a freeze returning and its thaw; every frozen image
 * mounts read-only and passes fsck; at the end no writer lost a change.
 */
class FreezeUnderLoadTest {
    /** 40 by default; -Dquiesce.stress.iterations scales it. */
    static final int CYCLES = Integer.getInteger("quiesce.freeze.cycles",
            Math.max(40, Integer.getInteger("quiesce.stress.iterations", 10_000) / 250));

    @Test
    void writersSurviveFreezeThawCyclesAndNothingIsWrittenWhileFrozen() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("load", 4096, 4096);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        Dusk fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofMillis(10)));
        int writers = 4;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        List<Map<String, byte[]>> expected = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Map<String, byte[]> mine = new ConcurrentHashMap<>();
            expected.add(mine);
            fs.mkdir("/w" + id);
            futures.add(pool.submit(() -> {
                Random r = new Random(id);
                int n = 0;
                while (!stop.get()) {
                    String name = "/w" + id + "/f" + r.nextInt(8);
                    byte[] data = new byte[1 + r.nextInt(9000)];
                    r.nextBytes(data);
                    switch (r.nextInt(5)) {
                        case 0, 1 -> {
                            fs.writeFile(name, data);
                            mine.put(name, data);
                        }
                        case 2 -> {
                            String to = "/w" + id + "/f" + r.nextInt(8);
                            if (mine.containsKey(name) && !to.equals(name)) {
                                fs.rename(name, to);
                                mine.put(to, mine.remove(name));
                            }
                        }
                        case 3 -> {
                            if (mine.remove(name) != null) {
                                fs.unlink(name);
                            }
                        }
                        default -> {
                            try (DuskFile f = fs.create("/w" + id + "/tmp" + n++)) {
                                f.write(0, ByteBuffer.wrap(data));
                                f.fsync();
                            }
                            mine.put("/w" + id + "/tmp" + (n - 1), data);
                            // Keep the newest 16: the volume must not fill however fast the writers go.
                            String old = "/w" + id + "/tmp" + (n - 17);
                            if (mine.remove(old) != null) {
                                fs.unlink(old);
                            }
                        }
                    }
                    ops.incrementAndGet();
                }
                return null;
            }));
        }
        try {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                long before = ops.get();
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (ops.get() < before + 20) {
                    for (Future<?> f : futures) {
                        if (f.isDone()) {
                            f.get();
                            throw new AssertionError("a writer stopped before the cycles ended");
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        // A hang guard, not a speed check: 60 s without 20 operations is a stuck writer.
                        throw new AssertionError("cycle " + cycle + ": the writers are stuck");
                    }
                    Thread.sleep(1);
                }
                try (FreezeHandle h = fs.freeze(FreezeRequest.of("load-" + cycle))) {
                    long from = RecordingBlockDevice.mark();
                    assertTrue(device.durableAt(from), "cycle " + cycle + ": not durable when freeze returned");
                    MemoryBlockDevice image = cycle % 8 == 0 ? copy(memory) : null;
                    Thread.sleep(5);
                    long to = RecordingBlockDevice.mark();
                    device.assertNoWritesBetween(from, to);
                    if (cycle % 8 == 0) {
                        FsckReport report = Dusk.fsck(image);
                        assertTrue(report.isClean(), "frozen image of cycle " + cycle + ": " + report);
                        assertEquals(0, report.logRecords(), "the frozen image must mount without replay");
                        assertTrue(h.blockUsage().orElseThrow().usedCount() > 5);
                    }
                }
            }
        } finally {
            stop.set(true);
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        fs.close();
        FsckReport last = Dusk.fsck(memory);
        assertTrue(last.isClean(), last.toString());
        try (Dusk again = Dusk.mount(memory, DuskOptions.defaults().withReadOnly(true))) {
            for (int w = 0; w < writers; w++) {
                Map<String, byte[]> mine = expected.get(w);
                assertEquals(mine.size(), again.readdir("/w" + w).size(), "files of writer " + w);
                for (Map.Entry<String, byte[]> e : mine.entrySet()) {
                    assertArrayEquals(e.getValue(), again.readFile(e.getKey()), e.getKey());
                }
            }
        }
    }

    static MemoryBlockDevice copy(MemoryBlockDevice source) throws Exception {
        MemoryBlockDevice copy = new MemoryBlockDevice("frozen image", source.blockSize(), source.blockCount());
        copy.write(0, ByteBuffer.wrap(source.toByteArray()));
        return copy;
    }
}
