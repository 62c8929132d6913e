package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A damaged image ends in a typed {@link CorruptFilesystemException} naming the block, or
 * in fsck problems - never an unchecked exception, a hang or wrong data from metadata.
 */
class CorruptionTest {

    private static MemoryBlockDevice populated() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("damaged", 512, 2048);
        Dusk.format(dev);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withRollupEvery(4))) {
            for (int i = 0; i < 30; i++) {
                fs.mkdir("/d" + i);
                fs.writeFile("/d" + i + "/f", new byte[700 * (i % 4)]);
                if (i % 3 == 0) {
                    fs.sync();
                }
            }
        }
        return dev;
    }

    private static void flip(MemoryBlockDevice dev, long block, int offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(dev.blockSize());
        dev.read(block, b);
        b.put(offset, (byte) (b.get(offset) ^ 0x40));
        b.rewind();
        dev.write(block, b);
    }

    @Test
    void bothSuperblocksDamagedIsReportedWithTheBlock() throws Exception {
        MemoryBlockDevice dev = populated();
        flip(dev, 0, 40);
        flip(dev, 1, 40);
        CorruptFilesystemException e = assertThrows(CorruptFilesystemException.class,
                () -> Dusk.mount(dev, DuskOptions.defaults()));
        assertEquals(0, e.block());
        assertTrue(e.getMessage().contains("superblock"), e.getMessage());
        assertFalse(Dusk.fsck(dev).isClean());
    }

    @Test
    void oneDamagedSuperblockFallsBackToTheOther() throws Exception {
        MemoryBlockDevice dev = populated();
        flip(dev, 0, 100);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            assertTrue(fs.readdir("/").size() > 0);
        }
    }

    @Test
    void aDeviceThatWasNeverFormattedIsNotMounted() {
        MemoryBlockDevice blank = new MemoryBlockDevice("blank", 4096, 128);
        assertThrows(CorruptFilesystemException.class, () -> Dusk.mount(blank, DuskOptions.defaults()));
    }

    @Test
    void randomDamageToAnyBlockNeverEscapesAsAnUncheckedException() throws Exception {
        MemoryBlockDevice pristine = populated();
        byte[] image = pristine.toByteArray();
        Random r = new Random(42);
        int typed = 0;
        for (int trial = 0; trial < 400; trial++) {
            MemoryBlockDevice dev = new MemoryBlockDevice("damaged", 512, 2048);
            dev.write(0, ByteBuffer.wrap(image));
            long block = r.nextInt(120);
            flip(dev, block, r.nextInt(512));
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
                walk(fs, "/");
            } catch (CorruptFilesystemException e) {
                typed++;
                assertTrue(e.block() >= -1 && e.getMessage().contains("block"), e.getMessage());
            } catch (FileSystemException e) {
                typed++;
            }
            FsckReport report = Dusk.fsck(dev);
            assertFalse(report.toString().contains("java.lang."), "fsck hit an unchecked exception: " + report);
        }
        assertTrue(typed > 50, "only " + typed + " of 400 damaged images were detected");
    }

    private static void walk(Dusk fs, String dir) throws IOException {
        for (String name : fs.readdir(dir)) {
            String p = (dir.equals("/") ? "/" : dir + "/") + name;
            FileStat st = fs.lstat(p);
            if (st.isDirectory()) {
                walk(fs, p);
            } else if (st.isFile()) {
                fs.readFile(p);
            }
        }
    }
}
