package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the reference filesystem, per technique: Dusk on an image file takes a
 * write load; freeze, cut, thaw; then the snapshot mounts read-only, fsck finds it clean,
 * and its files are exactly those at the freeze.
 */
class ReferenceFilesystemEndToEndTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4096; // 16 MiB
    private static final int FILES = 40;

    @TempDir
    Path dir;

    /** One write of the load: a whole file replaced, or removed (content null). */
    private record Op(String path, byte[] content) {
    }

    @Test
    void fullCopyUnderLoad() throws Exception {
        run("full-copy", dir);
    }

    @Test
    void reflinkUnderLoad() throws Exception {
        try (LoopFilesystem btrfs = LoopFilesystem.mount("btrfs", 256)) {
            run("reflink", btrfs.mountPoint());
        }
    }

    @Test
    void splitMirrorUnderLoad() throws Exception {
        run("split-mirror", dir);
    }

    private void run(String technique, Path where) throws Exception {
        Path image = where.resolve("dusk.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength((long) BLOCK * BLOCKS);
        }
        BlockDevice device = technique.equals("split-mirror")
                ? MirroredBlockDevice.create(image, where.resolve("dusk.replica"), BLOCK, 256 * 1024)
                : FileBlockDevice.open(image, BLOCK, false);
        if (device instanceof MirroredBlockDevice mirror) {
            mirror.resync(null);
        }
        try (SnapshotProvider provider = new FileCopyProviderFactory().create(
                Map.of("directory", where.resolve("snapshots").toString(), "technique", technique))) {
            Dusk.format(device);
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            List<Op> ops = new ArrayList<>();
            AtomicInteger started = new AtomicInteger();
            int frozenAt;
            Snapshot snapshot;
            try (Dusk fs = Dusk.mount(device, DuskOptions.defaults())) {
                fs.mkdir("/load");
                AtomicBoolean stop = new AtomicBoolean();
                List<Throwable> failures = new ArrayList<>();
                Thread writer = new Thread(() -> load(fs, ops, started, stop, failures), "e2e-load");
                writer.start();
                try {
                    while (started.get() < 60) {
                        Thread.sleep(5);
                    }
                    // The usage bitmap only exists once frozen, so full copy prepares under the
                    // freeze (it only creates its partial file there); the others prepare first (C1).
                    PendingSnapshot pending = technique.equals("full-copy") ? null
                            : provider.prepare(SnapshotRequest.of("e2e", source));
                    try (FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e"))) {
                        frozenAt = started.get();
                        if (pending == null) {
                            BlockUsage usage = hold.blockUsage().orElseThrow();
                            pending = provider.prepare(SnapshotRequest.of("e2e", source).withBlockUsage(usage));
                        }
                        pending.cut();
                    }
                    snapshot = pending.complete();
                    int after = started.get();
                    while (started.get() < after + 40) {
                        Thread.sleep(5);
                    }
                } finally {
                    stop.set(true);
                    writer.join();
                }
                assertTrue(failures.isEmpty(), () -> "load failed: " + failures);
            }
            checkSnapshot(technique, snapshot, ops, frozenAt);
        } finally {
            device.close();
        }
    }

    /** Replaces and removes files until told to stop; each op is listed before it starts. */
    private static void load(Dusk fs, List<Op> ops, AtomicInteger started, AtomicBoolean stop,
                             List<Throwable> failures) {
        Random random = new Random(11);
        try {
            while (!stop.get()) {
                String path = "/load/f-" + random.nextInt(FILES);
                byte[] content = null;
                if (random.nextInt(8) != 0) {
                    content = new byte[1 + random.nextInt(48 * 1024)];
                    random.nextBytes(content);
                }
                synchronized (ops) {
                    ops.add(new Op(path, content));
                }
                started.incrementAndGet();
                if (content != null) {
                    fs.writeFile(path, content);
                } else {
                    try {
                        fs.unlink(path);
                    } catch (NoSuchFileException absent) {
                        // Removing a file that is not there leaves the state as it was.
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failures.add(e);
        }
    }

    /**
     * Ops before the last one started at the freeze had all returned before it (one
     * writer), so they are in the frozen image; that last one may be absent, done, or -
     * {@code writeFile} being a create (or truncate) and then a write, two changes a
     * freeze can fall between - its file may be there and empty.
     */
    private static void checkSnapshot(String technique, Snapshot snapshot, List<Op> ops, int frozenAt)
            throws Exception {
        Map<String, byte[]> without = apply(ops, frozenAt - 1);
        Map<String, byte[]> with = apply(ops, frozenAt);
        Op inFlight;
        synchronized (ops) {
            inFlight = ops.get(frozenAt - 1);
        }
        Map<String, byte[]> halfway = new TreeMap<>(without);
        if (inFlight.content() != null) {
            halfway.put(inFlight.path(), new byte[0]);
        }
        try (BlockDevice view = snapshot.open()) {
            FsckReport report = Dusk.fsck(view);
            assertTrue(report.isClean(), technique + ": fsck of the snapshot: " + report);
            try (Dusk snap = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                Map<String, byte[]> found = new TreeMap<>();
                for (String name : snap.readdir("/load")) {
                    found.put("/load/" + name, snap.readFile("/load/" + name));
                }
                Map<String, byte[]> expected = sameContent(found, with) ? with
                        : sameContent(found, halfway) ? halfway : without;
                assertTrue(expected.size() > FILES / 4, technique + ": the load wrote files before the freeze");
                assertTrue(!sameContent(apply(ops, ops.size()), expected),
                        technique + ": the source changed after the cut, so the check can tell the cut apart");
                assertEquals(expected.keySet(), found.keySet(), technique + ": files in the snapshot");
                for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                    assertArrayEquals(e.getValue(), found.get(e.getKey()), technique + ": " + e.getKey());
                }
            }
        }
    }

    private static Map<String, byte[]> apply(List<Op> ops, int count) {
        Map<String, byte[]> state = new TreeMap<>();
        synchronized (ops) {
            for (Op op : ops.subList(0, Math.max(0, count))) {
                if (op.content() == null) {
                    state.remove(op.path());
                } else {
                    state.put(op.path(), op.content());
                }
            }
        }
        return state;
    }

    private static boolean sameContent(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
