package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import dev.quiesce.spi.UnsupportedSourceException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Reflink snapshots on real filesystems made on loop devices: btrfs and xfs clone, ext4 cannot. */
class ReflinkFilesystemTest {
    private static final int BLOCK = 4096;

    @Test
    void btrfsClonesTheImage() throws Exception {
        try (LoopFilesystem fs = LoopFilesystem.mount("btrfs", 256)) {
            clonesAndKeepsTheCut(fs);
        }
    }

    @Test
    void xfsWithReflinkClonesTheImage() throws Exception {
        try (LoopFilesystem fs = LoopFilesystem.mount("xfs", 320)) {
            clonesAndKeepsTheCut(fs);
        }
    }

    @Test
    void ext4CannotCloneAndTheErrorNamesIt() throws Exception {
        try (LoopFilesystem fs = LoopFilesystem.mount("ext4", 64)) {
            Path image = fs.mountPoint().resolve("disk.img");
            Path snapshots = fs.mountPoint().resolve("snapshots");
            try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 64, false);
                 SnapshotProvider provider = reflinkProvider(snapshots)) {
                SnapshotSource source = SnapshotSource.ofPath(image, device);
                assertFalse(provider.supports(source), "ext4 cannot reflink");
                UnsupportedSourceException e = assertThrows(UnsupportedSourceException.class,
                        () -> provider.prepare(SnapshotRequest.of("s", source)));
                assertTrue(e.getMessage().contains("ext4"), "the error names the filesystem: " + e.getMessage());
                assertEquals(List.of(), listing(snapshots), "nothing left in the snapshot directory");
            }
        }
    }

    @Test
    void aSourceOnAnotherFilesystemIsRefusedNamingBoth() throws Exception {
        try (LoopFilesystem fs = LoopFilesystem.mount("btrfs", 256)) {
            Path elsewhere = Files.createTempFile("quiesce-filecopy-other-", ".img");
            try (FileBlockDevice device = FileBlockDevice.create(elsewhere, BLOCK, 16, true);
                 SnapshotProvider provider = reflinkProvider(fs.mountPoint().resolve("snapshots"))) {
                SnapshotSource source = SnapshotSource.ofPath(elsewhere, device);
                UnsupportedSourceException e = assertThrows(UnsupportedSourceException.class,
                        () -> provider.prepare(SnapshotRequest.of("s", source)));
                assertTrue(e.getMessage().contains("cannot cross filesystems") && e.getMessage().contains("btrfs"),
                        e.getMessage());
            } finally {
                Files.deleteIfExists(elsewhere);
            }
        }
    }

    private static SnapshotProvider reflinkProvider(Path snapshots) throws Exception {
        return new FileCopyProviderFactory().create(Map.of("directory", snapshots.toString(), "technique", "reflink"));
    }

    private static void clonesAndKeepsTheCut(LoopFilesystem fs) throws Exception {
        Path image = fs.mountPoint().resolve("disk.img");
        Path snapshots = fs.mountPoint().resolve("snapshots");
        Random random = new Random(5);
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 1024, false);
             SnapshotProvider provider = reflinkProvider(snapshots)) {
            byte[] data = new byte[BLOCK * 8];
            for (long b = 0; b < 1024; b += 8) {
                random.nextBytes(data);
                device.write(b, ByteBuffer.wrap(data));
            }
            device.flush();
            byte[] atCut = Files.readAllBytes(image);
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            assertTrue(provider.supports(source), fs.type() + " supports reflink");
            Capabilities caps = provider.capabilities();
            assertEquals(Technique.REFLINK, caps.technique());
            assertEquals(CutCost.CONSTANT, caps.cutCost());

            Snapshot snapshot = provider.create(SnapshotRequest.of("clone", source));
            random.nextBytes(data);
            device.write(0, ByteBuffer.wrap(data));
            device.flush();

            try (BlockDevice view = snapshot.open()) {
                ByteBuffer all = ByteBuffer.allocate(BLOCK * 1024);
                view.read(0, all);
                assertArrayEquals(atCut, all.array(), "the clone holds the image at the cut on " + fs.type());
            }
            Path clone = snapshots.resolve("clone.img");
            LoopFilesystem.Result extents = LoopFilesystem.run(List.of("filefrag", "-v", clone.toString()));
            if (extents.ok()) {
                assertTrue(extents.output().contains("shared"), "the clone shares extents: " + extents.output());
            }
            provider.delete("clone");
            assertEquals(List.of(), listing(snapshots), "delete removes image and record");
        }
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
