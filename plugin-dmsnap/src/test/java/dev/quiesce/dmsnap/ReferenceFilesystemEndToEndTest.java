package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FileStat;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reference filesystem on a dmsnap origin under a write load: freeze, prepare with the
 * freeze's usage bitmap, cut, thaw, complete; the writer keeps going; then the snapshot is
 * checked by fsck and mounted read-only, and its tree must equal exactly what the frozen
 * filesystem showed.
 */
class ReferenceFilesystemEndToEndTest {

    @Test
    @Timeout(120)
    void snapshotOfAFrozenFilesystemMountsAsExactlyTheFrozenState() throws Exception {
        MemoryBlockDevice real = new MemoryBlockDevice("fs-origin", 4096, 4096);
        MemoryBlockDevice store = new MemoryBlockDevice("fs-store", 4096, 6144);
        try (DmsnapProvider provider = DmsnapProvider.onDevice(store, 16384)) {
            DmsnapOrigin origin = provider.origin(real);
            Dusk.format(origin);
            Map<String, byte[]> frozen;
            Snapshot snapshot;
            BlockUsage usage;
            AtomicLong written = new AtomicLong();
            try (Dusk fs = Dusk.mount(origin, DuskOptions.defaults())) {
                fs.mkdir("/data");
                fs.mkdir("/data/sub");
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> writerFailure = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    Random r = new Random(42);
                    try {
                        while (!stop.get()) {
                            int n = r.nextInt(40);
                            String path = (n % 3 == 0 ? "/data/sub/f" : "/data/f") + n;
                            byte[] content = new byte[1 + r.nextInt(20_000)];
                            r.nextBytes(content);
                            if (r.nextInt(10) == 0 && fs.lookup(path).isPresent()) {
                                fs.unlink(path);
                            } else {
                                fs.writeFile(path, content);
                            }
                            written.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        writerFailure.set(t);
                    }
                }, "fs-writer");
                writer.start();
                waitFor(written, 200);
                PendingSnapshot pending;
                try (FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e"))) {
                    usage = hold.blockUsage().orElseThrow();
                    pending = provider.prepare(SnapshotRequest.of("frozen", origin.source("fs"))
                            .withBlockUsage(usage));
                    pending.cut();
                    frozen = tree(fs);
                }
                snapshot = pending.complete();
                long atThaw = written.get();
                waitFor(written, atThaw + 200);
                stop.set(true);
                writer.join();
                if (writerFailure.get() != null) {
                    throw new AssertionError("the writer failed", writerFailure.get());
                }
                assertTrue(!frozen.equals(tree(fs)), "the origin moved on after the thaw");
                assertTrue(frozen.size() > 10, "files at the freeze: " + frozen.keySet());
            }
            try (BlockDevice view = snapshot.open()) {
                FsckReport report = Dusk.fsck(view);
                assertTrue(report.isClean(), "fsck of the snapshot: " + report);
                try (Dusk ro = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                    Map<String, byte[]> got = tree(ro);
                    assertEquals(frozen.keySet(), got.keySet(), "the snapshot's names");
                    for (Map.Entry<String, byte[]> e : frozen.entrySet()) {
                        assertTrue(Arrays.equals(e.getValue(), got.get(e.getKey())), "contents of " + e.getKey());
                    }
                }
            }
            assertTrue(usage.usedCount() < usage.blockCount(), "the bitmap let free space go uncopied");
        }
    }

    private static void waitFor(AtomicLong counter, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (counter.get() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** Every path to its contents (directories map to an empty array). */
    private static Map<String, byte[]> tree(Dusk fs) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        walk(fs, "/", out);
        return out;
    }

    private static void walk(Dusk fs, String dir, Map<String, byte[]> out) throws Exception {
        for (String entry : fs.readdir(dir)) {
            String path = entry.startsWith("/") ? entry : (dir.equals("/") ? "/" : dir + "/") + entry;
            FileStat st = fs.lstat(path);
            if (st.isDirectory()) {
                out.put(path + "/", new byte[0]);
                walk(fs, path, out);
            } else {
                out.put(path, fs.readFile(path));
            }
        }
    }
}
