package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapOrigin;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cross-check of plugin-dmsnap against the real kernel (runs in the guest): the
 * copy-on-write store plugin-dmsnap exports for a snapshot is activated by the kernel's
 * own {@code snapshot} target over loop devices, and reads back exactly what plugin-dmsnap
 * serves for that snapshot.
 */
@Order(2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DmsnapKernelCrossCheckGuestTest {
    private static final int BLOCK = 4096;
    private static final long BLOCKS = 2048;

    @BeforeAll
    void inGuest() {
        GuestLvm.assumeInGuest();
    }

    @Test
    void theKernelSnapshotTargetReadsTheExportedStoreAsDmsnapServesIt() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/run"), "qs-dmsnap-");
        Path originFile = dir.resolve("origin.img");
        Path cowFile = dir.resolve("cow.img");
        Random random = new Random(7);
        byte[] expected;
        try (FileBlockDevice real = FileBlockDevice.create(originFile, BLOCK, BLOCKS, false);
             DmsnapProvider provider = DmsnapProvider.onFile(dir.resolve("store.img"), BLOCK, 0)) {
            DmsnapOrigin origin = provider.origin(real);
            scribble(origin, random, 600);
            Snapshot snapshot = provider.create(SnapshotRequest.of("cross", origin.source("origin")));
            scribble(origin, random, 900);
            expected = readAll(snapshot.open());
            try (FileBlockDevice cow = FileBlockDevice.create(cowFile, 512, (BLOCKS * BLOCK + (4 << 20)) / 512, false)) {
                assertTrue(provider.exportKernelStore("cross", cow) > 0, "the later writes made exceptions");
            }
        }
        int chunkSectors = ByteBuffer.wrap(Files.readAllBytes(cowFile), 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        String originLoop = Commands.check("losetup", "--find", "--show", "--read-only", originFile.toString());
        String cowLoop = Commands.check("losetup", "--find", "--show", cowFile.toString());
        String name = "qs-cross-" + ProcessHandle.current().pid();
        try {
            Commands.check("dmsetup", "create", name, "--table",
                    "0 " + (BLOCKS * BLOCK / 512) + " snapshot " + originLoop + " " + cowLoop + " P " + chunkSectors);
            String status = Commands.check("dmsetup", "status", name);
            assertTrue(status.contains("snapshot") && !status.contains("Invalid"), status);
            Commands.run("dmsetup", "mknodes", name);
            byte[] kernel;
            try (BlockDevice view = FileBlockDevice.open(Path.of("/dev/mapper", name), BLOCK, true)) {
                kernel = readAll(view);
            }
            assertEquals(expected.length, kernel.length);
            assertArrayEquals(expected, kernel, "the kernel's snapshot target reads what plugin-dmsnap serves");
        } finally {
            Commands.run("dmsetup", "remove", name);
            Commands.run("losetup", "-d", cowLoop);
            Commands.run("losetup", "-d", originLoop);
            Files.deleteIfExists(originFile);
            Files.deleteIfExists(cowFile);
            Files.deleteIfExists(dir.resolve("store.img"));
            Files.deleteIfExists(dir);
        }
    }

    private static void scribble(BlockDevice device, Random random, int count) throws Exception {
        byte[] data = new byte[BLOCK];
        for (int i = 0; i < count; i++) {
            random.nextBytes(data);
            device.write(Math.floorMod(random.nextLong(), device.blockCount()), ByteBuffer.wrap(data));
        }
        device.flush();
    }

    private static byte[] readAll(BlockDevice device) throws Exception {
        try (device) {
            ByteBuffer all = ByteBuffer.allocate((int) device.sizeBytes());
            device.read(0, all);
            return all.array();
        }
    }
}
