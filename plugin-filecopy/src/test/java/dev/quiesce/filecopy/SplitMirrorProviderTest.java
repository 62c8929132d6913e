package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The split-mirror technique's life cycle through the provider: split, rejoin, new legs. */
class SplitMirrorProviderTest {
    private static final int BLOCK = 4096;
    private static final int REGION = 64 * 1024;
    private static final int BLOCKS = 256; // 16 regions

    @TempDir
    Path dir;

    private static ByteBuffer random(int seed) {
        byte[] data = new byte[BLOCK];
        new Random(seed).nextBytes(data);
        return ByteBuffer.wrap(data);
    }

    private MirroredBlockDevice mirror(Path image) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength((long) BLOCK * BLOCKS);
        }
        MirroredBlockDevice mirror = MirroredBlockDevice.create(image, dir.resolve("replica.img"), BLOCK, REGION);
        mirror.resync(null);
        return mirror;
    }

    private SnapshotProvider provider() throws Exception {
        return new FileCopyProviderFactory().create(Map.of("directory", dir.resolve("snapshots").toString(),
                "technique", "split-mirror"));
    }

    @Test
    void deletingTheSnapshotRejoinsItsReplicaAndTheNextPrepareResyncsOnlyChangedRegions() throws Exception {
        Path image = dir.resolve("disk.img");
        try (MirroredBlockDevice mirror = mirror(image); SnapshotProvider provider = provider()) {
            SnapshotSource source = SnapshotSource.ofPath(image, mirror);
            mirror.write(1, random(1));
            Snapshot first = provider.create(SnapshotRequest.of("first", source));
            assertEquals(MirrorState.SPLIT, mirror.state());
            assertEquals(dir.resolve("replica.img"), mirror.replica(), "the replica itself is the snapshot");
            mirror.write(20, random(2)); // region 1
            mirror.write(200, random(3)); // region 12
            assertEquals(2, mirror.pendingRegions(), "changes since the split are tracked by region");

            provider.delete("first");
            assertEquals(MirrorState.RESYNCING, mirror.state(), "delete rejoins the replica");
            assertTrue(provider.list().isEmpty());
            assertTrue(Files.exists(dir.resolve("replica.img")), "the rejoined replica stays the mirror's leg");

            PendingSnapshot second = provider.prepare(SnapshotRequest.of("second", source));
            assertEquals(MirrorState.MIRRORED, mirror.state(), "prepare resynced the two changed regions");
            second.cut();
            second.complete();
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(dir.resolve("replica.img")));
        }
    }

    @Test
    void aReplicaHeldByASnapshotGetsANewLegAndAnAbortDropsIt() throws Exception {
        Path image = dir.resolve("disk.img");
        try (MirroredBlockDevice mirror = mirror(image); SnapshotProvider provider = provider()) {
            SnapshotSource source = SnapshotSource.ofPath(image, mirror);
            mirror.write(0, random(1));
            byte[] atFirst = Files.readAllBytes(image);
            Snapshot first = provider.create(SnapshotRequest.of("first", source));
            mirror.write(0, random(2));

            PendingSnapshot second = provider.prepare(SnapshotRequest.of("second", source));
            Path fresh = dir.resolve("snapshots/second.img");
            assertEquals(fresh, mirror.replica(), "a new replica in the snapshot directory");
            assertEquals(MirrorState.MIRRORED, mirror.state(), "fully resynced before the freeze");
            second.abort();
            assertFalse(Files.exists(fresh), "the abort removed the replica it made");
            assertEquals(MirrorState.SPLIT, mirror.state());
            assertEquals(dir.resolve("replica.img"), mirror.replica());

            try (BlockDevice view = first.open()) {
                ByteBuffer all = ByteBuffer.allocate(BLOCK * BLOCKS);
                view.read(0, all);
                assertArrayEquals(atFirst, all.array(), "the first snapshot is untouched");
            }
        }
    }
}
