package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * continuously, frozen with {@link MountedFilesystem}, cut by the {@code lvm} provider,
 * thawed; the snapshot passes fsck and holds exactly what the filesystem held at the
 * freeze.
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
        Path node = GuestLvm.END_TO_END.createRaid1(lv, "64M");
        Path mount = Files.createDirectories(Path.of("/run", "qs-" + lv));
        Path snapMount = Files.createDirectories(Path.of("/run", "qs-" + lv + "-snap"));
        Commands.check("mkfs.ext4", "-q", node.toString());
        Commands.check("mount", node.toString(), mount.toString());
        SnapshotProvider provider = new LvmSnapshotProviderFactory().create(Map.of("technique", "split-mirror",
                "volume-group", GuestLvm.END_TO_END.vg()));
        Writer writer = new Writer(mount);
        try (BlockDevice origin = FileBlockDevice.open(node, 4096, true)) {
            MountedFilesystem fs = MountedFilesystem.at(mount);
            PendingSnapshot pending = provider.prepare(SnapshotRequest.of("e2e", SnapshotSource.ofPath(node, origin)));
            writer.start();
            writer.awaitFiles(20);

            FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e").withLease(Duration.ofSeconds(60)));
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
                assertTrue(manifest(mount).size() > atFreeze.size(), "writing went on after the thaw");
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
            try (FreezeHandle hold = fs.freeze(FreezeRequest.of("e2e-thick"))) {
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

    /** File name to SHA-256 of its content, for every regular file. Reads never block while frozen. */
    private static Map<String, String> manifest(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                out.put(f.getFileName().toString(), HexFormat.of().formatHex(md.digest(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    /** Writes numbered 8 KiB files without fsync until stopped (bounded to 10,000). */
    private static final class Writer {
        private final Path dir;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger files = new AtomicInteger();
        private final Thread thread;
        private volatile IOException failure;

        Writer(Path dir) {
            this.dir = dir;
            this.thread = new Thread(this::run, "e2e-writer");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            byte[] data = new byte[8192];
            for (int i = 0; i < 10_000 && !stop.get(); i++) {
                java.util.Arrays.fill(data, (byte) i);
                try (FileChannel ch = FileChannel.open(dir.resolve("w" + i), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(data));
                } catch (IOException e) {
                    failure = e;
                    return;
                }
                files.incrementAndGet();
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
