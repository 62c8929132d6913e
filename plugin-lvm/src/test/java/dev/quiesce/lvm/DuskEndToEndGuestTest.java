package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.ConsistentSnapshot;
import dev.quiesce.core.SnapshotResult;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FileStat;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end with the reference filesystem on a real kernel (runs in the guest): Dusk on
 * a logical volume, under a load of writer threads that create, write, overwrite, fsync,
 * rename and unlink, is frozen by core's {@link ConsistentSnapshot} coordinator, cut by
 * the {@code lvm} provider and thawed. The snapshot volume, opened read-only, passes
 * {@link Dusk#fsck}, mounts read-only, and its tree (every path, its {@link FileStat}
 * and content) equals the tree read through the frozen filesystem during the cut.
 *
 * <p>That model is read inside the cut itself ({@link ModelAtCut}), on the coordinator's
 * cut thread while the filesystem is frozen, so it is exactly the state at the freeze:
 * Dusk serves reads while frozen (F10) from the same caches its writers changed. Without
 * Dusk's freeze the writers go on between that reading and the cut, and the comparison
 * fails: checked by handing the coordinator no target for the thick and thin cuts (LVM's
 * own suspend freezes only kernel filesystems, which Dusk is not), when 241 of 294 and
 * 372 of 515 paths differed.
 */
@Order(2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DuskEndToEndGuestTest {
    private static final String SIZE = "16M";
    private static final int WRITERS = 4;
    private static final long PAUSE_MILLIS = 3;

    @BeforeAll
    void inGuest() throws Exception {
        GuestLvm.assumeInGuest();
        GuestLvm.DUSK.ensureVolumeGroup();
    }

    @Test
    void duskOnALinearVolumeUnderWriteLoadFrozenCutByAThickSnapshotThawedIsCleanAndEqualsTheFreeze() throws Exception {
        String lv = GuestLvm.uniqueName("dthick");
        endToEnd(LvmTechnique.THICK, lv, GuestLvm.DUSK.createLinear(lv, SIZE));
    }

    @Test
    void duskOnAThinVolumeUnderWriteLoadFrozenCutByAThinSnapshotThawedIsCleanAndEqualsTheFreeze() throws Exception {
        String lv = GuestLvm.uniqueName("dthin");
        endToEnd(LvmTechnique.THIN, lv, GuestLvm.DUSK.createThin(lv, SIZE));
    }

    @Test
    void duskOnARaid1VolumeUnderWriteLoadFrozenSplitThawedIsCleanAndEqualsTheFreeze() throws Exception {
        String lv = GuestLvm.uniqueName("dsplit");
        endToEnd(LvmTechnique.SPLIT_MIRROR, lv, GuestLvm.DUSK.createRaid1(lv, SIZE));
    }

    private void endToEnd(LvmTechnique technique, String lv, Path node) throws Exception {
        String name = "dusk-" + technique.configName();
        // 100%ORIGIN: the thick store holds every block the writers can change after the thaw.
        SnapshotProvider lvm = new LvmSnapshotProviderFactory().create(Map.of("technique", technique.configName(),
                "cow-size", "100%ORIGIN", "volume-group", GuestLvm.DUSK.vg()));
        try (FileBlockDevice origin = FileBlockDevice.open(node, 4096, false)) {
            Dusk.format(origin);
            Dusk fs = Dusk.mount(origin, DuskOptions.defaults());
            Writers writers = new Writers(fs);
            try {
                writers.start();
                writers.awaitOperations(WRITERS * 8);

                ModelAtCut provider = new ModelAtCut(lvm, fs);
                SnapshotResult result = ConsistentSnapshot.of(fs, provider,
                                SnapshotRequest.of(name, SnapshotSource.ofPath(node, origin)))
                        .holder("dusk-e2e")
                        // Bounds for an emulated CPU shared with other work, not targets.
                        .lease(Duration.ofSeconds(60))
                        .freezeTimeout(Duration.ofSeconds(60))
                        .freezeWindow(Duration.ofSeconds(90))
                        .take();
                int atThaw = writers.completed();
                writers.awaitOperations(atThaw + WRITERS * 4);
                writers.stop();

                Map<String, Entry> atFreeze = provider.model();
                assertFalse(atFreeze.isEmpty(), "the cut ran without reading the frozen filesystem");
                assertTrue(atFreeze.keySet().stream().anyMatch(p -> p.matches("/w[0-9]+/f[0-9]+")),
                        "the writers had renamed files into place before the freeze: " + atFreeze.keySet());
                assertNotEquals(atFreeze, tree(fs), "writing went on after the thaw");

                Snapshot snapshot = result.snapshot();
                assertTrue(snapshot.isReady());
                try (BlockDevice view = snapshot.open()) {
                    assertTrue(view.isReadOnly());
                    assertEquals(origin.sizeBytes(), view.sizeBytes());
                    FsckReport fsck = Dusk.fsck(view);
                    assertTrue(fsck.isClean(), "fsck of the " + technique.configName() + " snapshot: " + fsck);
                    Map<String, Entry> inSnapshot;
                    try (Dusk copy = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                        inSnapshot = tree(copy);
                    }
                    assertSameTree(atFreeze, inSnapshot);
                }
                lvm.delete(name);
                assertTrue(lvm.find(name).isEmpty(), "delete removed (or merged back) the snapshot");
            } finally {
                writers.halt();
                if (fs.state() == FreezeState.THAWED) {
                    fs.close();
                }
            }
        } finally {
            try {
                lvm.delete(name);
            } catch (SnapshotException e) {
                // Best effort: the volume goes next, and a leftover fails the next run's lvcreate loudly.
            }
            GuestLvm.DUSK.remove(lv);
        }
    }

    /** A path's stat (inode, type, size, mode, links, times) and its content's SHA-256. */
    record Entry(FileStat stat, String sha256) { }

    /** Every path under "/" with its stat and content; safe to call while the filesystem is frozen. */
    static Map<String, Entry> tree(Dusk fs) throws IOException {
        Map<String, Entry> out = new TreeMap<>();
        ArrayDeque<String> dirs = new ArrayDeque<>(List.of("/"));
        while (!dirs.isEmpty()) {
            String dir = dirs.pop();
            out.put(dir, new Entry(fs.lstat(dir), ""));
            for (String child : new TreeSet<>(fs.readdir(dir))) {
                String path = dir.equals("/") ? "/" + child : dir + "/" + child;
                FileStat stat = fs.lstat(path);
                if (stat.isDirectory()) {
                    dirs.push(path);
                } else if (stat.isFile()) {
                    out.put(path, new Entry(stat, sha256(fs.readFile(path))));
                } else {
                    out.put(path, new Entry(stat, fs.readlink(path)));
                }
            }
        }
        return out;
    }

    private static void assertSameTree(Map<String, Entry> expected, Map<String, Entry> actual) {
        if (expected.equals(actual)) {
            return;
        }
        List<String> differences = new ArrayList<>();
        TreeSet<String> paths = new TreeSet<>(expected.keySet());
        paths.addAll(actual.keySet());
        for (String p : paths) {
            Entry e = expected.get(p);
            Entry a = actual.get(p);
            if (e == null || !e.equals(a)) {
                differences.add(p + ": at the freeze " + e + ", in the snapshot " + a);
            }
        }
        fail("the snapshot is not the tree at the freeze; " + differences.size() + " of " + paths.size()
                + " paths differ, first: " + String.join("\n  ", differences.subList(0, Math.min(8, differences.size()))));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The lvm provider, with one addition: each cut first reads the whole tree through
     * the filesystem, which the coordinator has frozen by then (checked), so the model
     * is the state the cut captures.
     */
    private static final class ModelAtCut implements SnapshotProvider {
        private final SnapshotProvider lvm;
        private final Dusk fs;
        private volatile Map<String, Entry> model = Map.of();

        ModelAtCut(SnapshotProvider lvm, Dusk fs) {
            this.lvm = lvm;
            this.fs = fs;
        }

        Map<String, Entry> model() {
            return model;
        }

        private void capture() throws SnapshotException {
            if (fs.state() != FreezeState.FROZEN) {
                throw new SnapshotException(lvm.name(), null, "the cut ran while the filesystem was " + fs.state());
            }
            try {
                model = tree(fs);
            } catch (IOException e) {
                throw new SnapshotException(lvm.name(), null, "cannot read the frozen filesystem: " + e, e);
            }
        }

        @Override public String name() { return lvm.name(); }
        @Override public Capabilities capabilities() { return lvm.capabilities(); }
        @Override public boolean supports(SnapshotSource source) { return lvm.supports(source); }
        @Override public List<Snapshot> list() throws SnapshotException { return lvm.list(); }
        @Override public void delete(String name) throws SnapshotException { lvm.delete(name); }
        @Override public void close() throws SnapshotException { lvm.close(); }

        @Override
        public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
            PendingSnapshot pending = lvm.prepare(request);
            return new PendingSnapshot() {
                @Override public SnapshotRequest request() { return pending.request(); }
                @Override public Snapshot complete() throws SnapshotException { return pending.complete(); }
                @Override public void abort() { pending.abort(); }

                @Override
                public Snapshot cut() throws SnapshotException {
                    capture();
                    return pending.cut();
                }

                @Override
                public Snapshot cut(BlockUsage usageAtFreeze) throws SnapshotException {
                    capture();
                    return pending.cut(usageAtFreeze);
                }
            };
        }
    }

    /**
     * Writer threads, each in its own directory: write a new file in one or two pieces,
     * fsync some, rename it into place, overwrite part of an older one, unlink the oldest
     * beyond 24, now and then a subdirectory with a file in it. Bounded to 5,000
     * operations each; the first failure fails the test.
     */
    private static final class Writers {
        private final Dusk fs;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger completed = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private volatile Exception failure;

        Writers(Dusk fs) {
            this.fs = fs;
        }

        void start() throws IOException {
            for (int w = 0; w < WRITERS; w++) {
                String dir = "/w" + w;
                fs.mkdir(dir);
                Random random = new Random(31L * w + 7);
                Thread t = new Thread(() -> run(dir, random), "dusk-writer-" + w);
                t.setDaemon(true);
                threads.add(t);
            }
            threads.forEach(Thread::start);
        }

        int completed() {
            return completed.get();
        }

        private void run(String dir, Random random) {
            ArrayDeque<String> live = new ArrayDeque<>();
            try {
                for (int i = 0; i < 5_000 && !stop.get(); i++) {
                    byte[] data = new byte[1 + random.nextInt(12 * 1024)];
                    random.nextBytes(data);
                    String temp = dir + "/t" + i;
                    try (DuskFile f = fs.create(temp)) {
                        int half = data.length / 2;
                        f.write(0, ByteBuffer.wrap(data, 0, half));
                        f.append(ByteBuffer.wrap(data, half, data.length - half));
                        if (i % 3 == 0) {
                            f.fsync();
                        }
                    }
                    String done = dir + "/f" + i;
                    fs.rename(temp, done);
                    live.addLast(done);
                    if (i % 4 == 1 && live.size() > 1) {
                        byte[] patch = new byte[1 + random.nextInt(3000)];
                        random.nextBytes(patch);
                        try (DuskFile f = fs.open(live.peekFirst())) {
                            f.write(random.nextInt(4096), ByteBuffer.wrap(patch));
                        }
                    }
                    if (live.size() > 24) {
                        fs.unlink(live.removeFirst());
                    }
                    if (i % 10 == 5) {
                        fs.mkdir(dir + "/d" + i);
                        fs.writeFile(dir + "/d" + i + "/x", data);
                    }
                    completed.incrementAndGet();
                    // A pause between operations: writes are still in flight at any moment,
                    // but the writers leave CPU to the kits sharing the emulated machine.
                    Thread.sleep(PAUSE_MILLIS);
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitOperations(int count) throws Exception {
            // A bound, not a speed check: writers stuck after the thaw fail the test.
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (completed.get() < count && failure == null && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            if (failure != null) {
                throw failure;
            }
            assertTrue(completed.get() >= count, "the writers did only " + completed.get() + " of " + count
                    + " operations in 90 s");
        }

        /** Stops the writers and throws the first failure any of them met. */
        void stop() throws Exception {
            halt();
            if (failure != null) {
                throw failure;
            }
        }

        void halt() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
        }
    }
}
