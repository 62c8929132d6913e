package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.UnsupportedSourceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input gets its own typed error, and leaves nothing behind. */
class BadInputTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private SnapshotProvider provider(Path snapshots, String technique) throws Exception {
        return new FileCopyProviderFactory().create(Map.of("directory", snapshots.toString(), "technique", technique));
    }

    private static List<String> listing(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSourceThatIsNotARegularFileIsUnsupported() throws Exception {
        Path snapshots = dir.resolve("snapshots");
        for (String technique : List.of("full-copy", "reflink")) {
            try (SnapshotProvider provider = provider(snapshots, technique)) {
                SnapshotSource directory = SnapshotSource.ofPath(dir, new MemoryBlockDevice(BLOCK, 16));
                SnapshotSource deviceNode = SnapshotSource.ofPath(Path.of("/dev/zero"), new MemoryBlockDevice(BLOCK, 16));
                for (SnapshotSource source : List.of(directory, deviceNode)) {
                    assertFalse(provider.supports(source), technique + " " + source);
                    UnsupportedSourceException e = assertThrows(UnsupportedSourceException.class,
                            () -> provider.prepare(SnapshotRequest.of("bad", source)));
                    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
                }
            }
            assertEquals(List.of(), listing(snapshots), technique + " left files behind");
        }
    }

    @Test
    void aNameEscapingTheSnapshotDirectoryIsRefusedAtEveryLayer() throws Exception {
        Path snapshots = Files.createDirectories(dir.resolve("snapshots"));
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 16, false);
             SnapshotProvider provider = provider(snapshots, "full-copy")) {
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            assertThrows(IllegalArgumentException.class, () -> SnapshotRequest.of("../escape", source),
                    "the SPI refuses the name first");
            SnapshotPathException e = assertThrows(SnapshotPathException.class,
                    () -> new SnapshotStore(snapshots).file("../escape", SnapshotStore.IMAGE_SUFFIX));
            assertEquals(dir.resolve("escape.img"), e.path());

            // A link planted where the copy would go, pointing out of the directory.
            Path outside = dir.resolve("outside.img");
            Files.createSymbolicLink(snapshots.resolve("planted" + SnapshotStore.PARTIAL_SUFFIX), outside);
            assertThrows(SnapshotPathException.class, () -> provider.prepare(SnapshotRequest.of("planted", source)));
            assertFalse(Files.exists(outside), "nothing was written through the link");
            assertTrue(provider.list().isEmpty());
        }
        assertEquals(List.of("planted.img.part"), listing(snapshots), "only the planted link remains");
    }

    @Test
    void aSnapshotDirectoryWithoutSpaceGivesNoSpaceAndLeavesNothing() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        mountTmpfs(small, "size=1m");
        try {
            Path image = dir.resolve("disk.img");
            try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 1024, false);
                 SnapshotProvider provider = provider(small, "full-copy")) {
                device.write(0, java.nio.ByteBuffer.allocate(BLOCK * 1024));
                NoSpaceException e = assertThrows(NoSpaceException.class,
                        () -> provider.create(SnapshotRequest.of("big", SnapshotSource.ofPath(image, device))));
                assertTrue(e.getMessage().contains(small.toString()), e.getMessage());
                assertEquals(List.of(), listing(small));
            }
        } finally {
            unmount(small);
        }
    }

    @Test
    void aSnapshotDirectoryWithoutWritePermissionIsATypedErrorAndLeavesNothing() throws Exception {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        mountTmpfs(readOnly, "size=4m,ro");
        try {
            Path image = dir.resolve("disk.img");
            try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 16, false);
                 SnapshotProvider provider = provider(readOnly, "full-copy")) {
                SnapshotPathException e = assertThrows(SnapshotPathException.class,
                        () -> provider.create(SnapshotRequest.of("s", SnapshotSource.ofPath(image, device))));
                assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
                assertEquals(List.of(), listing(readOnly));
            }
            try (FileBlockDevice device = FileBlockDevice.open(dir.resolve("disk.img"), BLOCK, false);
                 SnapshotProvider provider = provider(readOnly, "reflink")) {
                SnapshotSource source = SnapshotSource.ofPath(dir.resolve("disk.img"), device);
                assertFalse(provider.supports(source), "a reflink into a read-only directory cannot work");
                assertThrows(UnsupportedSourceException.class, () -> provider.prepare(SnapshotRequest.of("s", source)));
                assertEquals(List.of(), listing(readOnly));
            }
        } finally {
            unmount(readOnly);
        }
    }

    private static void mountTmpfs(Path where, String options) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a small or read-only tmpfs needs root");
        LoopFilesystem.Result result = LoopFilesystem.run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs",
                where.toString()));
        if (!result.ok()) {
            System.out.println("SKIPPED: cannot mount tmpfs: " + result.output());
        }
        Assumptions.assumeTrue(result.ok(), () -> "cannot mount tmpfs: " + result.output());
    }

    private static void unmount(Path where) throws Exception {
        LoopFilesystem.Result result = LoopFilesystem.run(List.of("umount", where.toString()));
        assertTrue(result.ok(), () -> "cannot unmount " + where + ": " + result.output());
    }
}
