package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirroredBlockDeviceTest {
    private static final int BLOCK = 4096;
    private static final int REGION = 64 * 1024;
    private static final long BLOCKS = 256; // 1 MiB, 16 regions

    @TempDir
    Path dir;

    private Path primary() throws IOException {
        Path primary = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(primary.toFile(), "rw")) {
            file.setLength(BLOCKS * BLOCK);
        }
        return primary;
    }

    private static ByteBuffer block(int seed) {
        byte[] data = new byte[BLOCK];
        new Random(seed).nextBytes(data);
        return ByteBuffer.wrap(data);
    }

    private MirroredBlockDevice synced(Path primary, Path replica) throws Exception {
        MirroredBlockDevice mirror = MirroredBlockDevice.create(primary, replica, BLOCK, REGION);
        mirror.resync(null);
        assertEquals(MirrorState.MIRRORED, mirror.state());
        return mirror;
    }

    @Test
    void writesReachBothLegsAndReadsComeFromThePrimary() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        try (MirroredBlockDevice mirror = synced(primary, replica)) {
            mirror.write(3, block(1));
            mirror.write(200, block(2));
            mirror.flush();
            ByteBuffer read = ByteBuffer.allocate(BLOCK);
            mirror.read(3, read);
            assertArrayEquals(block(1).array(), read.array());
        }
        assertArrayEquals(Files.readAllBytes(primary), Files.readAllBytes(replica));
    }

    @Test
    void aCreatedMirrorStartsResyncingAndTheResyncCopiesOnlyWhatDiffers() throws Exception {
        Path primary = primary();
        try (RandomAccessFile file = new RandomAccessFile(primary.toFile(), "rw")) {
            file.seek(5L * BLOCK);
            file.write(block(7).array());
        }
        try (MirroredBlockDevice mirror = MirroredBlockDevice.create(primary, dir.resolve("r.img"), BLOCK, REGION)) {
            assertEquals(MirrorState.RESYNCING, mirror.state());
            assertEquals(16, mirror.pendingRegions());
            List<ResyncProgress> reports = new ArrayList<>();
            ResyncProgress done = mirror.resync(reports::add);
            assertEquals(16, done.regionsDone());
            assertEquals(REGION, done.bytesCopied(), "only the one region with data differs from the sparse replica");
            assertEquals(1.0, reports.get(reports.size() - 1).fraction());
            assertEquals(MirrorState.MIRRORED, mirror.state());
        }
        assertArrayEquals(Files.readAllBytes(primary), Files.readAllBytes(dir.resolve("r.img")));
    }

    @Test
    void splitFreezesTheReplicaAndRejoinResyncsOnlyChangedRegions() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        try (MirroredBlockDevice mirror = synced(primary, replica)) {
            mirror.write(0, block(1));
            mirror.split();
            byte[] atSplit = Files.readAllBytes(replica);
            mirror.write(0, block(2));
            mirror.write(100, block(3)); // region 6
            mirror.flush();
            assertEquals(MirrorState.SPLIT, mirror.state());
            assertArrayEquals(atSplit, Files.readAllBytes(replica), "later writes never change the split replica");
            assertEquals(2, mirror.pendingRegions());

            mirror.rejoin();
            assertEquals(MirrorState.RESYNCING, mirror.state());
            ResyncProgress progress = mirror.resync(null);
            assertEquals(2, progress.regionsTotal(), "only the changed regions are resynced");
            assertEquals(MirrorState.MIRRORED, mirror.state());
        }
        assertArrayEquals(Files.readAllBytes(primary), Files.readAllBytes(replica));
    }

    @Test
    void resyncRunsWhileThePrimaryTakesWrites() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        try (MirroredBlockDevice mirror = MirroredBlockDevice.create(primary, replica, BLOCK, REGION)) {
            for (int b = 0; b < BLOCKS; b += 3) {
                mirror.write(b, block(b));
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> failures = new ArrayList<>();
            Thread writer = new Thread(() -> {
                Random random = new Random(42);
                try {
                    while (!stop.get()) {
                        mirror.write(random.nextInt((int) BLOCKS), block(random.nextInt()));
                    }
                } catch (IOException e) {
                    failures.add(e);
                }
            });
            writer.start();
            try {
                mirror.resync(null);
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(failures.isEmpty(), () -> "writer failed: " + failures);
            assertEquals(MirrorState.MIRRORED, mirror.state());
            mirror.flush();
        }
        assertArrayEquals(Files.readAllBytes(primary), Files.readAllBytes(replica));
    }

    @Test
    void reopenAfterACleanCloseIsMirroredWithNothingToResync() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        try (MirroredBlockDevice mirror = synced(primary, replica)) {
            mirror.write(9, block(9));
        }
        try (MirroredBlockDevice mirror = MirroredBlockDevice.open(primary, BLOCK)) {
            assertEquals(MirrorState.MIRRORED, mirror.state());
            assertEquals(0, mirror.pendingRegions());
            assertEquals(replica, mirror.replica());
        }
    }

    @Test
    void aReplicaOfTheWrongSizeIsRefusedAndNothingIsLeftBehind() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        Files.write(replica, new byte[BLOCK * 3]);
        MirrorException e = assertThrows(MirrorException.class,
                () -> MirroredBlockDevice.create(primary, replica, BLOCK, REGION));
        assertTrue(e.getMessage().contains("wrong size"), e.getMessage());
        assertEquals(replica.toString(), e.device());
        assertFalse(Files.exists(MirroredBlockDevice.logPath(primary)), "no mirror log left behind");
        assertEquals(BLOCK * 3, Files.size(replica), "the replica is untouched");
    }

    @Test
    void reopeningWithAReplicaThatChangedSizeIsRefusedAndChangesNothing() throws Exception {
        Path primary = primary();
        Path replica = dir.resolve("replica.img");
        synced(primary, replica).close();
        byte[] log = Files.readAllBytes(MirroredBlockDevice.logPath(primary));
        try (RandomAccessFile file = new RandomAccessFile(replica.toFile(), "rw")) {
            file.setLength(BLOCK * 10);
        }
        MirrorException e = assertThrows(MirrorException.class, () -> MirroredBlockDevice.open(primary, BLOCK));
        assertTrue(e.getMessage().contains("wrong size"), e.getMessage());
        assertArrayEquals(log, Files.readAllBytes(MirroredBlockDevice.logPath(primary)), "the log is untouched");
        assertEquals(BLOCK * 10, Files.size(replica));
    }

    @Test
    void aPrimaryThatIsNotARegularFileIsRefused() {
        MirrorException e = assertThrows(MirrorException.class,
                () -> MirroredBlockDevice.create(dir, dir.resolve("r.img"), BLOCK));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("r.img")));
    }

    @Test
    void aSplitIsRefusedWhileRegionsAreStillToResync() throws Exception {
        try (MirroredBlockDevice mirror = MirroredBlockDevice.create(primary(), dir.resolve("r.img"), BLOCK, REGION)) {
            MirrorException e = assertThrows(MirrorException.class, mirror::split);
            assertTrue(e.getMessage().contains("RESYNCING"), e.getMessage());
            assertEquals(MirrorState.RESYNCING, mirror.state());
        }
    }

    @Test
    void attachingANewReplicaAndDroppingItReturnsToTheSplitWithNoFileLeft() throws Exception {
        Path replica = dir.resolve("replica.img");
        Path fresh = dir.resolve("fresh.img");
        try (MirroredBlockDevice mirror = synced(primary(), replica)) {
            mirror.split();
            mirror.attachNew(fresh);
            assertEquals(MirrorState.RESYNCING, mirror.state());
            assertEquals(fresh, mirror.replica());
            mirror.detachNew(fresh, replica);
            assertEquals(MirrorState.SPLIT, mirror.state());
            assertEquals(replica, mirror.replica());
            assertFalse(Files.exists(fresh));
        }
    }
}
