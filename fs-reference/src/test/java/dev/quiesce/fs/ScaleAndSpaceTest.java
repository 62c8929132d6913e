package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sizes the issue asks for, and running out of space. */
class ScaleAndSpaceTest {

    @Test
    void hundredThousandNamesInOneDirectory() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("big-dir", 4096, 65536);
        Dusk.format(dev);
        int n = 100_000;
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.mkdir("/d");
            for (int i = 0; i < n; i++) {
                fs.mkdir("/d/" + i);
            }
            fs.sync();
            assertTrue(fs.stat("/d/77777").isDirectory());
            for (int i = 0; i < n; i += 10) {
                fs.rmdir("/d/" + i);
            }
            assertEquals(n - n / 10, fs.stat("/d").size());
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
            List<String> names = fs.readdir("/d");
            assertEquals(n - n / 10, names.size());
            assertTrue(fs.lookup("/d/99999").isPresent());
            assertTrue(fs.lookup("/d/99990").isEmpty());
        }
        FsckReport r = Dusk.fsck(dev);
        assertTrue(r.isClean(), r.toString());
        assertEquals(n - n / 10 + 2, r.inodes());
    }

    @Test
    void sparseFileOfOneTebibyte() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("sparse-file", 4096, 1024);
        Dusk.format(dev);
        long tib = 1L << 40;
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            try (DuskFile f = fs.create("/huge")) {
                f.write(tib - 1, ByteBuffer.wrap(new byte[] {42}));
                f.write(12345, ByteBuffer.wrap(new byte[] {7}));
                f.fsync();
            }
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            assertEquals(tib, fs.stat("/huge").size());
            try (DuskFile f = fs.open("/huge")) {
                ByteBuffer b = ByteBuffer.allocate(2);
                f.read(tib - 2, b);
                assertArrayEquals(new byte[] {0, 42}, b.array());
                ByteBuffer c = ByteBuffer.allocate(3);
                f.read(12344, c);
                assertArrayEquals(new byte[] {0, 7, 0}, c.array());
                f.truncate(4096);
            }
        }
        assertTrue(Dusk.fsck(dev).isClean());
    }

    @Test
    void sixteenTebibyteVolume() throws Exception {
        SparseBlockDevice dev = new SparseBlockDevice(4096, 1L << 32);
        Dusk.format(dev);
        assertEquals(5, dev.written());
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            assertEquals((1L << 32) - 5, fs.statfs().freeBlocks());
            fs.writeFile("/a", new byte[100_000]);
        }
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            assertEquals(100_000, fs.readFile("/a").length);
        }
    }

    @Test
    void concurrentWritersOnARoomyVolumeNeverSeeNoSpace() throws Exception {
        // Each change reserves its worst case until its delta commits, so four busy writers
        // fill a delta with promises long before the volume fills: that is not "no space".
        MemoryBlockDevice dev = new MemoryBlockDevice("roomy", 4096, 4096);
        Dusk.format(dev);
        Dusk fs = Dusk.mount(dev, DuskOptions.defaults());
        int writers = 4;
        int files = 150;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < files; i++) {
                        fs.writeFile("/w" + id + "-" + i, (id + ":" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        fs.rename("/w" + id + "-" + i, "/m" + id + "-" + i);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(writers * files, fs.readdir("/").size());
        fs.unmount();
        assertTrue(Dusk.fsck(dev).isClean(), () -> Dusk.fsck(dev).toString());
    }

    @Test
    void fullVolumeRefusesUpFrontAndStillUnlinksAndTruncates() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("full", 4096, 512);
        Dusk.format(dev);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            int files = 0;
            NoSpaceLeftException full = null;
            while (full == null) {
                try {
                    fs.writeFile("/f" + files, new byte[64 * 1024]);
                    files++;
                } catch (NoSpaceLeftException e) {
                    full = e;
                }
            }
            assertTrue(files > 0);
            int kept = files;
            assertThrows(NoSpaceLeftException.class, () -> fs.writeFile("/more" + kept, new byte[64 * 1024]));
            try (DuskFile f = fs.open("/f0")) {
                f.truncate(0);
            }
            for (int i = 1; i < files; i++) {
                fs.unlink("/f" + i);
            }
            fs.sync();
            fs.writeFile("/again", new byte[64 * 1024]);
        }
        FsckReport r = Dusk.fsck(dev);
        assertTrue(r.isClean(), r.toString());
    }
}
