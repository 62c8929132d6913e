package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The page cache's slabs are reused once their pages are published: a page taken from a
 * reused slab must not show the bytes it held before, in a hole, past a short write, or
 * after a truncation.
 */
class PageCacheTest {
    @Test
    void pagesFromReusedSlabsReadAsZeroWhereNothingWasWritten() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("cache", 4096, 16384);
        Dusk.format(dev);
        byte[] ones = new byte[1 << 20];
        Arrays.fill(ones, (byte) 0xFF);
        DuskOptions options = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1));
        try (Dusk fs = Dusk.mount(dev, options)) {
            // Fill and publish several slabs of 0xFF pages, so later pages come from reused slabs.
            for (int round = 0; round < 6; round++) {
                try (DuskFile f = fs.create("/fill" + round)) {
                    f.write(0, ByteBuffer.wrap(ones));
                    f.write(1 << 20, ByteBuffer.wrap(ones));
                }
                fs.sync();
                fs.unlink("/fill" + round);
                fs.sync();
            }
            byte[] expected = new byte[3 * 4096 + 100];
            try (DuskFile f = fs.create("/sparse")) {
                f.write(10, ByteBuffer.wrap(new byte[] {7}));
                f.write(2 * 4096 + 5, ByteBuffer.wrap(new byte[] {9, 9}));
                f.write(3 * 4096 + 99, ByteBuffer.wrap(new byte[] {5}));
                f.truncate(3 * 4096 + 100);
            }
            expected[10] = 7;
            expected[2 * 4096 + 5] = 9;
            expected[2 * 4096 + 6] = 9;
            expected[3 * 4096 + 99] = 5;
            assertArrayEquals(expected, fs.readFile("/sparse"), "before the commit");
            try (DuskFile f = fs.open("/sparse")) {
                f.truncate(2 * 4096 + 6);
                f.truncate(3 * 4096 + 100);
            }
            expected[2 * 4096 + 6] = 0;
            expected[3 * 4096 + 99] = 0;
            assertArrayEquals(expected, fs.readFile("/sparse"), "after shrinking and growing");
            fs.sync();
            assertArrayEquals(expected, fs.readFile("/sparse"), "after the commit");
        }
        try (Dusk fs = Dusk.mount(dev, options.withReadOnly(true))) {
            byte[] expected = new byte[3 * 4096 + 100];
            expected[10] = 7;
            expected[2 * 4096 + 5] = 9;
            assertArrayEquals(expected, fs.readFile("/sparse"), "after a remount");
        }
        assertTrue(Dusk.fsck(dev).isClean());
    }
}
