package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.ConsistentSnapshot;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.ThawResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end on a real kernel (runs in the guest): ext4 on an LVM volume, written to
 * continuously, frozen with {@link MountedFilesystem}, cut by the {@code lvm} provider
 * (a raid1 leg split), thawed; the snapshot passes fsck and holds exactly what the
 * filesystem held at the freeze. On this kernel (6.1) a thick or thin cut cannot follow
 * the host freeze: LVM freezes the origin's filesystem itself and the kernel refuses a
 * second freeze (EBUSY, typed as {@link LvmException.Kind#ORIGIN_FROZEN}); so the thick
 * end to end lets LVM do the freeze, as the coordinator allows for a provider that
 * freezes the source itself.
 */
@Order(1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostFreezeEndToEndGuestTest {

    @BeforeAll
    void inGuest() throws Exception {
        GuestLvm.assumeInGuest();
        GuestLvm.END_TO_END.ensureVolumeGroup();
    }

    @Test
    void ext4UnderWriteLoadFrozenSplitThawedIsCleanAndEqualsTheStateAtTheFreeze() throws Exception {
        String lv = GuestLvm.uniqueName("e2e");
        Path node = GuestLvm.END_TO_END.createRaid1(lv, "24M");
        Path mount = Files.createDirectories(Path.of("/run", "qs-" + lv));
        Path snapMount = Files.createDirectories(Path.of("/run", "qs-" + lv + "-snap"));
        Commands.check("mkfs.ext4", "-q", node.toString());
        Commands.check("mount", node.toString(), mount.toString());
        SnapshotProvider provider = new LvmSnapshotProviderFactory().create(Map.of("technique", "split-mirror",
                "volume-group", GuestLvm.END_TO_END.vg()));
        // At most 1,000 files of 8 KiB at a time fit the 24 MiB filesystem, whatever the writer's pace.
        Writer writer = new Writer(mount, 100_000, 1_000);
        try (BlockDevice origin = FileBlockDevice.open(node, 4096, true)) {
            MountedFilesystem fs = MountedFilesystem.at(mount);
            PendingSnapshot pending = provider.prepare(SnapshotRequest.of("e2e", SnapshotSource.ofPath(node, origin)));
            writer.start();
            writer.awaitFiles(20);

            // Bounds for an emulated CPU shared with other work: the hold's watchdog is a JVM of its own.
            FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e").withLease(Duration.ofSeconds(60))
                    .withFreezeTimeout(Duration.ofSeconds(120)));
            Map<String, String> atFreeze = manifest(mount);
            int writtenAtFreeze = writer.files.get();
            pending.cut();
            assertEquals(ThawResult.THAWED, hold.thaw());
            Snapshot snapshot = pending.complete();
            writer.awaitFiles(writtenAtFreeze + 10);
            writer.stop();

            Path leg = Path.of(((LvmSnapshot) snapshot).volume().dmPath());
            Commands.Result fsck = Commands.run("e2fsck", "-f", "-n", leg.toString());
            assertEquals(0, fsck.exit(), "fsck of the split leg: " + fsck.output());
            Commands.check("mount", "-o", "ro,noload", leg.toString(), snapMount.toString());
            try {
                Map<String, String> inSnapshot = manifest(snapMount);
                assertEquals(atFreeze, inSnapshot, "the snapshot holds the files as they were at the freeze");
                assertFalse(atFreeze.isEmpty());
                assertNotEquals(atFreeze, manifest(mount), "writing went on after the thaw");
            } finally {
                Commands.run("umount", snapMount.toString());
            }
            try (BlockDevice view = snapshot.open()) {
                assertEquals(origin.sizeBytes(), view.sizeBytes());
                assertTrue(view.isReadOnly());
            }
            provider.delete("e2e");
            assertTrue(provider.list().isEmpty(), "deleting merged the leg back");
        } finally {
            writer.stop();
            Commands.run("fsfreeze", "-u", mount.toString());
            Commands.run("umount", snapMount.toString());
            Commands.run("umount", mount.toString());
            try {
                provider.delete("e2e");
            } catch (SnapshotException e) {
                // Best effort: the volume goes next anyway.
            }
            GuestLvm.END_TO_END.remove(lv);
        }
    }

    /**
     * The other way to a consistent thick snapshot of ext4 on this kernel: no host freeze
     * (which LVM's own freeze would collide with, see the next test), the coordinator given
     * no target because the provider freezes the source itself (lockfs while LVM suspends
     * the origin). The freeze happens inside {@code lvcreate}, unseen from here, so the
     * check is what any freeze guarantees to a writer that writes whole files in order:
     * the snapshot holds a gapless prefix of them, every file the writer had finished
     * before the cut began, none it began after the cut, each one whole (the last may
     * also be empty: created, not yet written).
     */
    @Test
    void ext4UnderWriteLoadCutByAThickSnapshotWithLvmsOwnFreezeIsCleanAndAWholePrefixOfTheWrites() throws Exception {
        String lv = GuestLvm.uniqueName("e2t");
        Path node = GuestLvm.END_TO_END.createLinear(lv, "48M");
        Path mount = Files.createDirectories(Path.of("/run", "qs-" + lv));
        Path snapMount = Files.createDirectories(Path.of("/run", "qs-" + lv + "-snap"));
        Commands.check("mkfs.ext4", "-q", node.toString());
        Commands.check("mount", node.toString(), mount.toString());
        SnapshotProvider provider = new LvmSnapshotProviderFactory().create(Map.of("technique", "thick",
                "cow-size", "100%ORIGIN", "volume-group", GuestLvm.END_TO_END.vg()));
        // 3,000 files of 8 KiB fit the 48 MiB filesystem, whatever the pace of the writer.
        Writer writer = new Writer(mount, 3_000, 0);
        try (BlockDevice origin = FileBlockDevice.open(node, 4096, true)) {
            writer.start();
            writer.awaitFiles(20);
            int finishedBefore = writer.files.get();
            Snapshot snapshot = ConsistentSnapshot.of(null, provider,
                            SnapshotRequest.of("e2e-thick", SnapshotSource.ofPath(node, origin)))
                    .freezeWindow(Duration.ofSeconds(60)).take().snapshot();
            int finishedAfter = writer.files.get();
            writer.stop();

            Path copy = Path.of(((LvmSnapshot) snapshot).volume().dmPath());
            Commands.Result fsck = Commands.run("e2fsck", "-f", "-n", copy.toString());
            assertEquals(0, fsck.exit(), "fsck of the thick snapshot: " + fsck.output());
            Commands.check("mount", "-o", "ro", copy.toString(), snapMount.toString());
            try {
                Map<String, String> inSnapshot = manifest(snapMount);
                int n = inSnapshot.size();
                for (int i = 0; i < n; i++) {
                    assertTrue(inSnapshot.containsKey("w" + i), "a gap: w" + i + " is missing of " + n + " files");
                }
                assertTrue(n >= finishedBefore, n + " files in the snapshot, but " + finishedBefore
                        + " were finished before the cut began");
                assertTrue(n <= finishedAfter + 1, n + " files in the snapshot, but only " + finishedAfter
                        + " were finished when the cut ended");
                for (int i = 0; i < n; i++) {
                    String expected = sha256(eightKib(i));
                    String actual = inSnapshot.get("w" + i);
                    boolean lastAndEmpty = i == n - 1 && actual.equals(sha256(new byte[0]));
                    assertTrue(actual.equals(expected) || lastAndEmpty, "w" + i + " is not whole in the snapshot");
                }
            } finally {
                Commands.run("umount", snapMount.toString());
            }
            provider.delete("e2e-thick");
            assertTrue(provider.list().isEmpty(), "delete removed the snapshot");
        } finally {
            writer.stop();
            Commands.run("umount", snapMount.toString());
            Commands.run("umount", mount.toString());
            try {
                provider.delete("e2e-thick");
            } catch (SnapshotException e) {
                // Best effort: the volume goes next, and its snapshot with it (lvremove -f).
            }
            GuestLvm.END_TO_END.remove(lv);
        }
    }

    @Test
    void aThickSnapshotOfAFilesystemFrozenByFsfreezeIsRefusedTypedAndLeavesNothing() throws Exception {
        String lv = GuestLvm.uniqueName("frz");
        Path node = GuestLvm.END_TO_END.createLinear(lv, "16M");
        Path mount = Files.createDirectories(Path.of("/run", "qs-" + lv));
        Commands.check("mkfs.ext4", "-q", node.toString());
        Commands.check("mount", node.toString(), mount.toString());
        SnapshotProvider provider = new LvmSnapshotProviderFactory().create(Map.of("technique", "thick",
                "cow-size", "8m", "volume-group", GuestLvm.END_TO_END.vg()));
        try (BlockDevice origin = FileBlockDevice.open(node, 4096, true)) {
            MountedFilesystem fs = MountedFilesystem.at(mount);
            PendingSnapshot pending = provider.prepare(SnapshotRequest.of("frozen-thick", SnapshotSource.ofPath(node, origin)));
            SnapshotException refused;
            try (FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e-thick").withLease(Duration.ofSeconds(60))
                    .withFreezeTimeout(Duration.ofSeconds(120)))) {
                assertTrue(hold.isHeld());
                // LVM suspends the origin with lockfs; a 6.1 kernel refuses a second freeze.
                refused = org.junit.jupiter.api.Assertions.assertThrows(SnapshotException.class, pending::cut);
            }
            pending.abort();
            LvmException lvm = (LvmException) refused;
            assertEquals(LvmException.Kind.ORIGIN_FROZEN, lvm.kind(), lvm.getMessage());
            assertTrue(provider.list().isEmpty(), "abort after the failed cut left a snapshot");
        } finally {
            Commands.run("fsfreeze", "-u", mount.toString());
            Commands.run("umount", mount.toString());
            GuestLvm.END_TO_END.remove(lv);
        }
    }

    /** What the writer puts in file {@code w<i>}. */
    private static byte[] eightKib(int i) {
        byte[] data = new byte[8192];
        java.util.Arrays.fill(data, (byte) i);
        return data;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** File name to SHA-256 of its content, for every regular file. Reads never block while frozen. */
    private static Map<String, String> manifest(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(f.getFileName().toString(), sha256(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    /**
     * Writes numbered 8 KiB files without fsync until stopped or {@code cap} are written,
     * deleting the oldest beyond a window if asked to. How many it writes before the freeze
     * depends on the emulated CPU's pace, so only a window keeps that within the filesystem.
     */
    private static final class Writer {
        private final Path dir;
        private final int cap;
        private final int window;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger files = new AtomicInteger();
        private final Thread thread;
        private volatile IOException failure;

        /** {@code window}: how many of the newest files are kept (older ones are deleted); 0 keeps all. */
        Writer(Path dir, int cap, int window) {
            this.dir = dir;
            this.cap = cap;
            this.window = window;
            this.thread = new Thread(this::run, "e2e-writer");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            for (int i = 0; i < cap && !stop.get(); i++) {
                byte[] data = eightKib(i);
                try (FileChannel ch = FileChannel.open(dir.resolve("w" + i), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(data));
                    if (window > 0 && i >= window) {
                        Files.delete(dir.resolve("w" + (i - window)));
                    }
                } catch (IOException e) {
                    failure = e;
                    return;
                }
                files.incrementAndGet();
                try {
                    // Leaves CPU to the classes sharing the emulated machine; writes stay continuous.
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        void awaitFiles(int count) throws Exception {
            // A bounded wait, not a speed check: a writer stuck behind a freeze fails the test.
            long end = System.nanoTime() + 60_000_000_000L;
            while (files.get() < count && failure == null && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            if (failure != null) {
                throw failure;
            }
            assertTrue(files.get() >= count, "the writer made only " + files.get() + " of " + count + " files in 60 s");
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
        }
    }
}
