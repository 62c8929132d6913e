package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DuskBasicTest {

    static MemoryBlockDevice device(int blockSize, int blocks) throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("test", blockSize, blocks);
        Dusk.format(dev);
        return dev;
    }

    static void assertClean(MemoryBlockDevice dev) {
        FsckReport r = Dusk.fsck(dev);
        assertTrue(r.isClean(), r.toString());
    }

    @Test
    void formatThenMountShowsAnEmptyRoot() throws Exception {
        MemoryBlockDevice dev = device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            assertEquals(List.of(), fs.readdir("/"));
            assertTrue(fs.stat("/").isDirectory());
            assertEquals(1, fs.statfs().inodes());
        }
        assertClean(dev);
    }

    @Test
    void filesSurviveUnmountAndMount() throws Exception {
        MemoryBlockDevice dev = device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.mkdir("/d");
            fs.writeFile("/d/a", "hello".getBytes(StandardCharsets.UTF_8));
            fs.writeFile("/b", new byte[10000]);
            fs.symlink("/d/a", "/s");
            fs.link("/d/a", "/d/a2");
        }
        assertClean(dev);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            assertEquals("hello", new String(fs.readFile("/d/a"), StandardCharsets.UTF_8));
            assertEquals("hello", new String(fs.readFile("/s"), StandardCharsets.UTF_8));
            assertEquals(2, fs.stat("/d/a2").links());
            assertEquals(10000, fs.stat("/b").size());
            assertEquals(List.of("b", "d", "s"), fs.readdir("/"));
            assertEquals("/d/a", fs.readlink("/s"));
        }
        assertClean(dev);
    }

    @Test
    void blockSizesFrom512BytesTo64KibWork() throws Exception {
        for (int bs : new int[] {512, 1024, 65536}) {
            MemoryBlockDevice dev = device(bs, 256);
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
                fs.mkdir("/d");
                fs.writeFile("/d/f", new byte[3 * bs + 7]);
                fs.symlink("/d/f", "/l");
            }
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
                assertEquals(3 * bs + 7, fs.readFile("/l").length);
                assertEquals(bs, fs.statfs().blockSize());
            }
            assertClean(dev);
        }
    }

    @Test
    void writesAtOffsetsTruncateAndHoles() throws Exception {
        MemoryBlockDevice dev = device(512, 4096);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            try (DuskFile f = fs.create("/f")) {
                f.write(3000, ByteBuffer.wrap(new byte[] {1, 2, 3}));
                f.fsync();
                f.truncate(3001);
                f.truncate(5000);
                f.append(ByteBuffer.wrap(new byte[] {9}));
                assertEquals(5001, f.size());
            }
            fs.sync();
            byte[] all = fs.readFile("/f");
            assertEquals(1, all[3000]);
            assertEquals(0, all[3001]);
            assertEquals(9, all[5000]);
            assertEquals(0, all[100]);
        }
        assertClean(dev);
    }

    @Test
    void badInputGetsClearErrors() throws Exception {
        MemoryBlockDevice dev = device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/file", new byte[1]);
            fs.mkdir("/dir");
            fs.writeFile("/dir/x", new byte[1]);
            assertThrows(InvalidPathException.class, () -> fs.mkdir("/" + "n".repeat(256)));
            assertThrows(InvalidPathException.class, () -> fs.mkdir("/a\0b"));
            assertThrows(NotDirectoryException.class, () -> fs.mkdir("/file/sub"));
            assertThrows(DirectoryNotEmptyException.class, () -> fs.rmdir("/dir"));
            assertThrows(NoSuchFileException.class, () -> fs.open("/missing"));
            assertThrows(FileAlreadyExistsException.class, () -> fs.create("/file"));
            assertFalse(fs.lookup("/nothing").isPresent());
        }
    }

    @Test
    void unlinkedOpenFileStaysReadableUntilClosed() throws Exception {
        MemoryBlockDevice dev = device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/o", "orphan".getBytes(StandardCharsets.UTF_8));
            DuskFile f = fs.open("/o");
            fs.unlink("/o");
            fs.sync();
            ByteBuffer b = ByteBuffer.allocate(6);
            f.read(0, b);
            assertArrayEquals("orphan".getBytes(StandardCharsets.UTF_8), b.array());
            assertEquals(0, f.stat().links());
            assertClean(dev);
            f.close();
            fs.sync();
            assertEquals(1, fs.statfs().inodes());
        }
        assertClean(dev);
    }

    @Test
    void renameReplacesAcrossDirectories() throws Exception {
        MemoryBlockDevice dev = device(4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.mkdir("/a");
            fs.mkdir("/b");
            fs.writeFile("/a/x", new byte[] {1});
            fs.writeFile("/b/y", new byte[] {2});
            fs.rename("/a/x", "/b/y");
            assertArrayEquals(new byte[] {1}, fs.readFile("/b/y"));
            assertFalse(fs.lookup("/a/x").isPresent());
            fs.rename("/a", "/b/a");
            assertTrue(fs.stat("/b/a").isDirectory());
            assertThrows(java.nio.file.FileSystemException.class, () -> fs.rename("/b", "/b/a/c"));
        }
        assertClean(dev);
    }
}
