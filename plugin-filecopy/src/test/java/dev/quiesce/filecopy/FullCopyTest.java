package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FullCopyTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 2048; // 8 MiB

    @TempDir
    Path dir;

    private SnapshotProvider provider(String skipFree) throws Exception {
        return new FileCopyProviderFactory().create(Map.of("directory", dir.resolve("snapshots").toString(),
                "technique", "full-copy", "skip-free-blocks", skipFree));
    }

    private static void fill(BlockDevice device, Random random) throws Exception {
        byte[] data = new byte[BLOCK];
        for (long b = 0; b < device.blockCount(); b++) {
            random.nextBytes(data);
            device.write(b, ByteBuffer.wrap(data));
        }
        device.flush();
    }

    @Test
    void withAUsageBitmapOnlyUsedBlocksAreCopiedAndTheRestIsAHole() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, BLOCKS, false);
             SnapshotProvider provider = provider("true")) {
            fill(device, new Random(1));
            long[] words = new long[BLOCKS / 64];
            for (int w = 0; w < words.length; w += 4) {
                words[w] = -1L; // a quarter of the blocks, in runs of 64
            }
            BlockUsage usage = BlockUsage.of(BLOCK, BLOCKS, words);
            assertEquals(CutCost.USED_BLOCKS, provider.capabilities().cutCost());
            Snapshot snapshot = provider.create(SnapshotRequest.of("sparse", SnapshotSource.ofPath(image, device))
                    .withBlockUsage(usage));
            byte[] source = Files.readAllBytes(image);
            try (BlockDevice view = snapshot.open()) {
                ByteBuffer block = ByteBuffer.allocate(BLOCK);
                for (long b = 0; b < BLOCKS; b++) {
                    block.clear();
                    view.read(b, block);
                    byte[] expected = usage.inUse(b)
                            ? java.util.Arrays.copyOfRange(source, (int) b * BLOCK, (int) (b + 1) * BLOCK)
                            : new byte[BLOCK];
                    assertArrayEquals(expected, block.array(), "block " + b);
                }
            }
            Path copy = dir.resolve("snapshots/sparse.img");
            assertEquals((long) BLOCK * BLOCKS, Files.size(copy));
            long allocated = allocatedBytes(copy);
            assertTrue(allocated <= (long) BLOCK * BLOCKS / 4 + 64 * 1024,
                    "the copy is sparse: " + allocated + " bytes allocated for a quarter of " + BLOCK * BLOCKS);
        }
    }

    @Test
    void withoutSkippingTheCostIsTheDeviceSizeAndEveryBlockIsCopied() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 256, false);
             SnapshotProvider provider = provider("false")) {
            fill(device, new Random(2));
            assertEquals(CutCost.DEVICE_SIZE, provider.capabilities().cutCost());
            BlockUsage none = BlockUsage.of(BLOCK, 256, new long[4]);
            provider.create(SnapshotRequest.of("all", SnapshotSource.ofPath(image, device)).withBlockUsage(none));
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(dir.resolve("snapshots/all.img")),
                    "a provider told not to skip free blocks ignores the bitmap");
        }
    }

    @Test
    void aSourceWithoutAFileIsCopiedThroughItsDevice() throws Exception {
        MemoryBlockDevice device = new MemoryBlockDevice("memory", BLOCK, 64);
        fill(device, new Random(3));
        try (SnapshotProvider provider = provider("true")) {
            Snapshot snapshot = provider.create(SnapshotRequest.of("mem", SnapshotSource.of("memory-1", device)));
            try (BlockDevice view = snapshot.open()) {
                ByteBuffer all = ByteBuffer.allocate(BLOCK * 64);
                view.read(0, all);
                assertArrayEquals(device.toByteArray(), all.array());
            }
        }
    }

    static long allocatedBytes(Path file) throws Exception {
        LoopFilesystem.Result result = LoopFilesystem.run(List.of("stat", "-c", "%b %B", file.toString()));
        assertTrue(result.ok(), result.output());
        String[] parts = result.output().strip().split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
