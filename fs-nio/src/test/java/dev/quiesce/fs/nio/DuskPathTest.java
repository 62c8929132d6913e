package dev.quiesce.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Path syntax: parsing, names, normalize, resolve, relativize, URIs. */
class DuskPathTest {
    @TempDir
    Path tmp;
    FileSystem fs;

    @BeforeEach
    void mount() throws Exception {
        fs = FileSystems.newFileSystem(URI.create("dusk:" + tmp.resolve("p.img").toUri()),
                Map.of("create", "true", "blocks", "512"));
    }

    @AfterEach
    void unmount() throws Exception {
        fs.close();
    }

    @Test
    void parsesNamesAndRoot() {
        Path p = fs.getPath("/a//b/", "c");
        assertEquals("/a/b/c", p.toString());
        assertTrue(p.isAbsolute());
        assertEquals(3, p.getNameCount());
        assertEquals("b", p.getName(1).toString());
        assertEquals("c", p.getFileName().toString());
        assertEquals("/a/b", p.getParent().toString());
        assertEquals("/", p.getRoot().toString());
        assertEquals("b/c", p.subpath(1, 3).toString());
        assertNull(fs.getPath("/").getFileName());
        assertNull(fs.getPath("x").getParent());
        assertNull(fs.getPath("x").getRoot());
    }

    @Test
    void normalizesResolvesAndRelativizes() {
        assertEquals("/a/c", fs.getPath("/a/./b/../c").normalize().toString());
        assertEquals("/", fs.getPath("/../..").normalize().toString());
        assertEquals("../x", fs.getPath("a/../../x").normalize().toString());
        assertEquals("/a/b/c", fs.getPath("/a").resolve("b/c").toString());
        assertEquals("/z", fs.getPath("/a").resolve("/z").toString());
        assertEquals("../c/d", fs.getPath("/a/b").relativize(fs.getPath("/a/c/d")).toString());
        assertEquals(fs.getPath("/a/c/d"), fs.getPath("/a/b").resolve(fs.getPath("/a/b").relativize(fs.getPath("/a/c/d")))
                .normalize());
        assertTrue(fs.getPath("/a/b/c").startsWith(fs.getPath("/a/b")));
        assertFalse(fs.getPath("/a/b/c").startsWith(fs.getPath("a/b")));
        assertTrue(fs.getPath("/a/b/c").endsWith(fs.getPath("b/c")));
        assertThrows(IllegalArgumentException.class, () -> fs.getPath("/a").relativize(fs.getPath("b")));
    }

    @Test
    void refusesForeignPathsAndNul() {
        assertThrows(ProviderMismatchException.class, () -> fs.getPath("/a").resolve(Path.of("b")));
        assertThrows(java.nio.file.InvalidPathException.class, () -> fs.getPath("/a\0b"));
    }

    @Test
    void uriRoundTrips() {
        Path p = fs.getPath("/dir/file name");
        URI uri = p.toUri();
        assertEquals("dusk", uri.getScheme());
        assertEquals(p, Path.of(uri));
        assertEquals(fs, FileSystems.getFileSystem(URI.create("dusk:" + tmp.resolve("p.img").toUri())));
    }

    @Test
    void globMatcherWorksOnDuskPaths() {
        assertTrue(fs.getPathMatcher("glob:/a/*.txt").matches(fs.getPath("/a/x.txt")));
        assertFalse(fs.getPathMatcher("glob:/a/*.txt").matches(fs.getPath("/a/b/x.txt")));
    }
}
