package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link Dusk#format(dev.quiesce.spi.BlockDevice, FormatOptions)}: block sizes and their validation. */
class FormatOptionsTest {
    @Test
    void aBlockSizeOutsideTheRangeOrNotAPowerOfTwoIsRefused() {
        for (int bad : new int[] {-1, 256, 1000, 3072, 131072}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FormatOptions(bad));
            assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        }
        assertEquals(4096, FormatOptions.standard().blockSize());
        assertEquals(0, FormatOptions.defaults().blockSize());
    }

    @Test
    void aLargerBlockThanTheDevicesGroupsDeviceBlocks() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("small-blocks", 512, 8 * 256);
        Dusk.format(dev, FormatOptions.standard());
        byte[] content = new byte[10_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            FsStat st = fs.statfs();
            assertEquals(4096, st.blockSize());
            assertEquals(256, st.blocks());
            fs.mkdir("/d");
            fs.writeFile("/d/f", content);
            fs.sync();
        }
        assertTrue(Dusk.fsck(dev).isClean(), Dusk.fsck(dev).toString());
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            assertArrayEquals(content, fs.readFile("/d/f"));
            assertEquals(4096, fs.statfs().blockSize());
        }
    }

    @Test
    void aLargerBlockIsFoundFromTheSecondSuperblockWhenTheFirstIsDamaged() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("small-blocks", 512, 8 * 256);
        Dusk.format(dev, FormatOptions.standard());
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/f", new byte[] {4, 5, 6});
        }
        dev.write(0, ByteBuffer.allocate(512));
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            assertEquals(4096, fs.statfs().blockSize());
            assertArrayEquals(new byte[] {4, 5, 6}, fs.readFile("/f"));
        }
    }

    @Test
    void everyAllowedBlockSizeFormatsAndMounts() throws Exception {
        for (int bs = FormatOptions.MIN_BLOCK_SIZE; bs <= FormatOptions.MAX_BLOCK_SIZE; bs *= 2) {
            MemoryBlockDevice dev = new MemoryBlockDevice("bs" + bs, 512, (long) bs / 512 * 256);
            Dusk.format(dev, FormatOptions.defaults().withBlockSize(bs));
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
                assertEquals(bs, fs.statfs().blockSize());
                fs.writeFile("/f", new byte[] {1, 2, 3});
            }
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
                assertArrayEquals(new byte[] {1, 2, 3}, fs.readFile("/f"), "block size " + bs);
            }
        }
    }

    @Test
    void aBlockSmallerThanTheDevicesOrTooFewBlocksIsRefusedBeforeWriting() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("big-blocks", 4096, 256);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dusk.format(dev, FormatOptions.defaults().withBlockSize(1024)));
        assertTrue(e.getMessage().contains("not a multiple of the device's block size 4096"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dusk.format(dev, FormatOptions.defaults().withBlockSize(65536)));
        assertTrue(e.getMessage().contains("at least 64 blocks"), e.getMessage());
        byte[] block = new byte[4096];
        for (long b = 0; b < dev.blockCount(); b++) {
            dev.read(b, ByteBuffer.wrap(block));
            for (byte x : block) {
                assertEquals(0, x, "block " + b + " was written by a refused format");
            }
        }
    }
}
