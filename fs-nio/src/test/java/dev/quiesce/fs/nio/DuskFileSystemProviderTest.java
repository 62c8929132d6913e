package dev.quiesce.fs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ProviderNotFoundException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every {@link Files} operation the provider promises, through {@link FileSystems}. */
class DuskFileSystemProviderTest {
    @TempDir
    Path tmp;
    Path image;
    FileSystem fs;

    @BeforeEach
    void formatAndMount() throws Exception {
        image = tmp.resolve("disk.img");
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, 4096, false)) {
            Dusk.format(dev);
        }
        fs = FileSystems.newFileSystem(image);
    }

    @AfterEach
    void unmount() throws Exception {
        fs.close();
    }

    private Path p(String s) {
        return fs.getPath(s);
    }

    @Test
    void newFileSystemByPathFindsTheProviderThroughServiceLoader() throws Exception {
        assertEquals("dusk", fs.provider().getScheme());
        assertInstanceOf(DuskFileSystemProvider.class, fs.provider());
        Path text = Files.writeString(tmp.resolve("plain.txt"), "not an image");
        assertThrows(ProviderNotFoundException.class, () -> FileSystems.newFileSystem(text));
        assertThrows(FileSystemAlreadyExistsException.class, () -> FileSystems.newFileSystem(image));
    }

    @Test
    void writeReadAndPersistAcrossRemount() throws Exception {
        Files.write(p("/a.bin"), new byte[] {1, 2, 3});
        Files.writeString(p("/t.txt"), "hello", UTF_8);
        Files.writeString(p("/t.txt"), " world", UTF_8, StandardOpenOption.APPEND);
        fs.close();
        assertFalse(fs.isOpen());
        fs = FileSystems.newFileSystem(URI.create("dusk:" + image.toUri()), Map.of());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(p("/a.bin")));
        assertEquals("hello world", Files.readString(p("/t.txt")));
        assertEquals(List.of("hello world"), Files.readAllLines(p("/t.txt")));
    }

    @Test
    void createOptionsAndMissingFiles() throws Exception {
        assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(p("/missing")));
        assertThrows(NoSuchFileException.class, () -> Files.write(p("/no/dir/f"), new byte[1]));
        Files.createFile(p("/f"));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createFile(p("/f")));
        assertThrows(FileAlreadyExistsException.class,
                () -> Files.newByteChannel(p("/f"), StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));
        assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(p("/g"), StandardOpenOption.WRITE));
        assertThrows(UnsupportedOperationException.class, () -> Files.createFile(p("/h"),
                new FileAttribute<String>() {
                    @Override public String name() { return "posix:owner"; }
                    @Override public String value() { return "nobody"; }
                }));
        assertFalse(Files.exists(p("/h")), "a refused create left a file");
        assertThrows(FileSystemException.class, () -> Files.readAllBytes(p("/")));
    }

    @Test
    void seekableByteChannelReadsWritesSeeksAndTruncates() throws Exception {
        try (SeekableByteChannel ch = Files.newByteChannel(p("/s"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertEquals(5, ch.write(ByteBuffer.wrap("01234".getBytes(UTF_8))));
            assertEquals(5, ch.position());
            ch.position(100_000);
            ch.write(ByteBuffer.wrap("end".getBytes(UTF_8)));
            assertEquals(100_003, ch.size());
            ch.position(2);
            ByteBuffer b = ByteBuffer.allocate(3);
            assertEquals(3, ch.read(b));
            assertEquals("234", new String(b.array(), UTF_8));
            ch.position(50_000);
            ByteBuffer hole = ByteBuffer.allocate(16);
            ch.read(hole);
            assertArrayEquals(new byte[16], hole.array(), "a sparse hole reads as zeros");
            ch.position(100_003);
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "end of file");
            ch.truncate(4);
            assertEquals(4, ch.size());
            assertEquals(4, ch.position(), "truncate below the position moves it");
        }
        assertEquals("0123", Files.readString(p("/s")));
        try (SeekableByteChannel ch = Files.newByteChannel(p("/s"), StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            assertEquals(0, ch.size());
            assertThrows(java.nio.channels.NonReadableChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p("/s"))) {
            assertThrows(java.nio.channels.NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void largeFileRoundTripsInChunks() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        Files.write(p("/big"), data);
        assertArrayEquals(data, Files.readAllBytes(p("/big")));
        assertEquals(data.length, Files.size(p("/big")));
    }

    @Test
    void directoriesStreamsAndWalk() throws Exception {
        Files.createDirectories(p("/d/e/f"));
        Files.writeString(p("/d/a.txt"), "a");
        Files.writeString(p("/d/b.log"), "b");
        Files.writeString(p("/d/e/f/deep.txt"), "deep");
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(p("/d")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(p("/")));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p("/d"))) {
            List<String> names = new ArrayList<>();
            ds.forEach(x -> names.add(x.toString()));
            assertEquals(List.of("/d/a.txt", "/d/b.log", "/d/e"), names);
            assertThrows(IllegalStateException.class, ds::iterator);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p("/d"), "*.txt")) {
            List<String> names = new ArrayList<>();
            ds.forEach(x -> names.add(x.getFileName().toString()));
            assertEquals(List.of("a.txt"), names);
        }
        assertThrows(NotDirectoryException.class, () -> Files.newDirectoryStream(p("/d/a.txt")));
        try (Stream<Path> walk = Files.walk(p("/"))) {
            assertEquals(List.of("/", "/d", "/d/a.txt", "/d/b.log", "/d/e", "/d/e/f", "/d/e/f/deep.txt"),
                    walk.map(Path::toString).sorted().collect(Collectors.toList()));
        }
        try (Stream<Path> found = Files.find(p("/"), 10, (x, a) -> a.isRegularFile() && x.toString().endsWith(".txt"))) {
            assertEquals(2, found.count());
        }
    }

    @Test
    void moveIsAtomicAndHonoursReplaceExisting() throws Exception {
        Files.createDirectories(p("/x/y"));
        Files.writeString(p("/x/src"), "new");
        Files.writeString(p("/x/dst"), "old");
        assertThrows(FileAlreadyExistsException.class, () -> Files.move(p("/x/src"), p("/x/dst")));
        assertEquals("new", Files.readString(p("/x/src")), "a refused move changed nothing");
        Files.move(p("/x/src"), p("/x/dst"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("new", Files.readString(p("/x/dst")));
        assertFalse(Files.exists(p("/x/src")));
        Files.writeString(p("/x/src2"), "newer");
        Files.move(p("/x/src2"), p("/x/dst"), StandardCopyOption.ATOMIC_MOVE);
        assertEquals("newer", Files.readString(p("/x/dst")));
        Files.move(p("/x/dst"), p("/x/y/moved"));
        assertEquals("newer", Files.readString(p("/x/y/moved")));
        Files.move(p("/x/y"), p("/z"));
        assertTrue(Files.isDirectory(p("/z")));
        assertEquals("newer", Files.readString(p("/z/moved")));
        Files.createDirectories(p("/full/inner"));
        assertThrows(DirectoryNotEmptyException.class,
                () -> Files.move(p("/z"), p("/full"), StandardCopyOption.REPLACE_EXISTING));
        assertThrows(NoSuchFileException.class, () -> Files.move(p("/nothing"), p("/z2")));
    }

    @Test
    void deleteFilesAndDirectories() throws Exception {
        Files.createDirectories(p("/d/sub"));
        Files.writeString(p("/d/f"), "x");
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(p("/d")));
        Files.delete(p("/d/f"));
        assertThrows(NoSuchFileException.class, () -> Files.delete(p("/d/f")));
        assertFalse(Files.deleteIfExists(p("/d/f")));
        Files.delete(p("/d/sub"));
        Files.delete(p("/d"));
        assertFalse(Files.exists(p("/d")));
        assertThrows(FileSystemException.class, () -> Files.delete(p("/")));
    }

    @Test
    void unlinkedFileStaysReadableThroughOpenChannel() throws Exception {
        Files.writeString(p("/open"), "still here");
        try (SeekableByteChannel ch = Files.newByteChannel(p("/open"))) {
            Files.delete(p("/open"));
            assertFalse(Files.exists(p("/open")));
            ByteBuffer b = ByteBuffer.allocate(10);
            ch.read(b);
            assertEquals("still here", new String(b.array(), UTF_8));
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p("/tmpfile"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}));
            assertTrue(Files.exists(p("/tmpfile")));
        }
        assertFalse(Files.exists(p("/tmpfile")), "DELETE_ON_CLOSE");
    }

    @Test
    void basicAndPosixAttributes() throws Exception {
        long before = System.currentTimeMillis() - 2000;
        Files.writeString(p("/f"), "12345");
        Files.createDirectory(p("/dir"));
        BasicFileAttributes a = Files.readAttributes(p("/f"), BasicFileAttributes.class);
        assertTrue(a.isRegularFile() && !a.isDirectory() && !a.isSymbolicLink() && !a.isOther());
        assertEquals(5, a.size());
        assertTrue(a.lastModifiedTime().toMillis() >= before);
        PosixFileAttributes px = Files.readAttributes(p("/f"), PosixFileAttributes.class);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(px.permissions()));
        assertEquals(Files.getOwner(image), px.owner());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p("/dir"))));
        Map<String, Object> map = Files.readAttributes(p("/f"), "posix:size,permissions,isDirectory");
        assertEquals(5L, map.get("size"));
        assertEquals(Boolean.FALSE, map.get("isDirectory"));
        assertEquals(12, Files.readAttributes(p("/f"), "posix:*").size());
        assertEquals(9, Files.readAttributes(p("/f"), "*").size());
        assertThrows(IllegalArgumentException.class, () -> Files.readAttributes(p("/f"), "basic:nonsense"));
        assertThrows(UnsupportedOperationException.class, () -> Files.readAttributes(p("/f"), "dos:*"));
        assertEquals(Files.getLastModifiedTime(p("/f")), a.lastModifiedTime());
        PosixFileAttributeView view = Files.getFileAttributeView(p("/f"), PosixFileAttributeView.class);
        assertEquals("posix", view.name());
        assertThrows(FileSystemException.class, () -> Files.setLastModifiedTime(p("/f"), FileTime.fromMillis(-1)));
        assertThrows(FileSystemException.class, () -> view.setOwner(Files.getOwner(image)));
        assertThrows(NoSuchFileException.class, () -> Files.setLastModifiedTime(p("/none"), FileTime.fromMillis(0)));
        assertThrows(NoSuchFileException.class, () -> Files.getLastModifiedTime(p("/none")));
        assertTrue(fs.supportedFileAttributeViews().contains("posix"));
    }

    @Test
    void linksSymlinksAndSameFile() throws Exception {
        Files.writeString(p("/target"), "t");
        Files.createLink(p("/hard"), p("/target"));
        assertTrue(Files.isSameFile(p("/hard"), p("/target")));
        assertEquals(Files.readAttributes(p("/hard"), BasicFileAttributes.class).fileKey(),
                Files.readAttributes(p("/target"), BasicFileAttributes.class).fileKey());
        Files.createSymbolicLink(p("/sym"), p("target"));
        assertTrue(Files.isSymbolicLink(p("/sym")));
        assertEquals(p("target"), Files.readSymbolicLink(p("/sym")));
        assertEquals("t", Files.readString(p("/sym")));
        assertTrue(Files.readAttributes(p("/sym"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isSymbolicLink());
        assertEquals(p("/target"), p("/sym").toRealPath());
        assertThrows(java.nio.file.NotLinkException.class, () -> Files.readSymbolicLink(p("/target")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createSymbolicLink(p("/sym"), p("/x")));
    }

    @Test
    void copyAccessAndStore() throws Exception {
        Files.writeString(p("/c1"), "copy me");
        Files.copy(p("/c1"), p("/c2"));
        assertEquals("copy me", Files.readString(p("/c2")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.copy(p("/c1"), p("/c2")));
        Files.writeString(p("/c1"), "again");
        Files.copy(p("/c1"), p("/c2"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("again", Files.readString(p("/c2")));
        Files.setLastModifiedTime(p("/c1"), FileTime.fromMillis(1_000_000_000_000L));
        Files.setPosixFilePermissions(p("/c1"), PosixFilePermissions.fromString("rw-r-----"));
        Files.copy(p("/c1"), p("/c3"), StandardCopyOption.COPY_ATTRIBUTES);
        assertEquals(FileTime.fromMillis(1_000_000_000_000L), Files.getLastModifiedTime(p("/c3")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(p("/c3"))));
        Files.setPosixFilePermissions(p("/c1"), PosixFilePermissions.fromString("rw-r--r--"));
        p("/c1").getFileSystem().provider().checkAccess(p("/c1"), AccessMode.READ, AccessMode.WRITE);
        assertThrows(AccessDeniedException.class,
                () -> p("/c1").getFileSystem().provider().checkAccess(p("/c1"), AccessMode.EXECUTE));
        assertTrue(Files.isReadable(p("/c1")));
        assertFalse(Files.isExecutable(p("/c1")));
        var store = Files.getFileStore(p("/c1"));
        assertEquals("dusk", store.type());
        assertEquals(4096L * 4096, store.getTotalSpace());
        assertTrue(store.getUsableSpace() > 0 && store.getUsableSpace() <= store.getUnallocatedSpace());
    }

    @Test
    void streamsAndCopiesAcrossProviders() throws Exception {
        Path host = Files.writeString(tmp.resolve("host.txt"), "from the host\nline two\n");
        Files.copy(host, p("/in.txt"));
        assertEquals(Files.readString(host), Files.readString(p("/in.txt")));
        try (var lines = Files.lines(p("/in.txt"))) {
            assertEquals(List.of("from the host", "line two"), lines.collect(Collectors.toList()));
        }
        try (var w = Files.newBufferedWriter(p("/out.txt"))) {
            w.write("written through a writer");
        }
        Files.copy(p("/out.txt"), tmp.resolve("back.txt"));
        assertEquals("written through a writer", Files.readString(tmp.resolve("back.txt")));
        try (var in = Files.newInputStream(p("/in.txt"))) {
            assertEquals('f', in.read());
        }
        Files.move(p("/out.txt"), tmp.resolve("moved.txt"));
        assertFalse(Files.exists(p("/out.txt")), "a move to another provider removes the source");
        assertEquals("written through a writer", Files.readString(tmp.resolve("moved.txt")));
    }

    @Test
    void closedFileSystemRefusesEverything() throws Exception {
        Files.writeString(p("/f"), "x");
        SeekableByteChannel ch = Files.newByteChannel(p("/f"));
        Path f = p("/f");
        fs.close();
        assertThrows(ClosedFileSystemException.class, () -> Files.readAllBytes(f));
        assertThrows(ClosedFileSystemException.class, () -> Files.delete(f));
        assertThrows(ClosedFileSystemException.class, () -> Files.newDirectoryStream(p("/")));
        assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)), "open channels are closed");
        fs.close();
        fs = FileSystems.newFileSystem(image);
        assertEquals("x", Files.readString(p("/f")));
    }

    @Test
    void readOnlyMountRefusesChanges() throws Exception {
        Files.writeString(p("/f"), "x");
        fs.close();
        fs = FileSystems.newFileSystem(image, Map.of("readOnly", true));
        assertTrue(fs.isReadOnly());
        assertEquals("x", Files.readString(p("/f")));
        assertThrows(ReadOnlyFileSystemException.class, () -> Files.writeString(p("/g"), "y"));
        assertThrows(ReadOnlyFileSystemException.class, () -> Files.delete(p("/f")));
        assertThrows(AccessDeniedException.class,
                () -> fs.provider().checkAccess(p("/f"), AccessMode.WRITE));
        assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(
                URI.create("dusk:" + tmp.resolve("other.img").toUri()), Map.of("readOnyl", true)));
    }

    @Test
    void concurrentWritersThroughOneFileSystem() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        Path f = p("/w" + id + "-" + i);
                        Files.writeString(f, id + ":" + i);
                        Files.move(f, p("/m" + id + "-" + i), StandardCopyOption.ATOMIC_MOVE);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.list(p("/"))) {
            assertEquals(200, s.count());
        }
        assertEquals("3:49", Files.readString(p("/m3-49")));
    }

    @Test
    void createsAnImageWhenAsked() throws IOException {
        Path fresh = tmp.resolve("fresh.img");
        // By URI: FileSystems.newFileSystem(Path, {create}) would let the zip provider make a zip.
        try (FileSystem other = FileSystems.newFileSystem(URI.create("dusk:" + fresh.toUri()),
                Map.of("create", "true", "blocks", 1024))) {
            Files.writeString(other.getPath("/in-fresh"), "ok");
        }
        assertEquals(1024L * 4096, Files.size(fresh));
        try (FileSystem other = FileSystems.newFileSystem(fresh)) {
            assertEquals("ok", Files.readString(other.getPath("/in-fresh")));
        }
    }
}
