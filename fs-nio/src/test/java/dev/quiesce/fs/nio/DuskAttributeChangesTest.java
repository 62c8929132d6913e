package dev.quiesce.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Setting times and permissions through NIO: every change is still there after the image is closed and reopened. */
class DuskAttributeChangesTest {
    private static final FileTime JAN_2001 = FileTime.fromMillis(978_307_200_000L);
    private static final FileTime JUL_2020 = FileTime.fromMillis(1_594_000_000_123L);

    @TempDir
    Path tmp;
    Path image;

    @BeforeEach
    void format() throws Exception {
        image = tmp.resolve("disk.img");
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, 2048, false)) {
            Dusk.format(dev);
        }
    }

    @Test
    void timesAndPermissionsRoundTripAcrossCloseAndReopen() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            Files.createDirectory(fs.getPath("/dir"));
            Files.writeString(fs.getPath("/dir/f"), "content");
            Files.setLastModifiedTime(fs.getPath("/dir/f"), JAN_2001);
            Files.setPosixFilePermissions(fs.getPath("/dir/f"), PosixFilePermissions.fromString("r--------"));
            Files.getFileAttributeView(fs.getPath("/dir"), PosixFileAttributeView.class)
                    .setPermissions(PosixFilePermissions.fromString("rwx------"));
            Files.getFileAttributeView(fs.getPath("/dir"), BasicFileAttributeView.class).setTimes(JUL_2020, null, null);
            assertThrows(NoSuchFileException.class, () -> Files.setAttribute(fs.getPath("/dir/g"), "posix:permissions",
                    PosixFilePermissions.fromString("rw-rw----")));
        }
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            assertEquals(JAN_2001, Files.getLastModifiedTime(fs.getPath("/dir/f")));
            assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.getPath("/dir/f"))));
            assertEquals(JUL_2020, Files.getLastModifiedTime(fs.getPath("/dir")));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.getPath("/dir"))));
            assertEquals("content", Files.readString(fs.getPath("/dir/f")));
        }
    }

    @Test
    void setAttributeByNameAndInitialPermissions() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            Path f = fs.getPath("/f");
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.createDirectory(fs.getPath("/d"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
            Files.setAttribute(f, "lastModifiedTime", JUL_2020);
            Files.setAttribute(f, "posix:permissions", PosixFilePermissions.fromString("rw-rw-r--"));
            FileTime before = Files.getLastModifiedTime(f);
            Files.setAttribute(f, "basic:lastAccessTime", JAN_2001);
            assertEquals(before, Files.getLastModifiedTime(f), "the access time is not kept and moves nothing");
            assertThrows(IllegalArgumentException.class, () -> Files.setAttribute(f, "basic:size", 3L));
            assertThrows(IllegalArgumentException.class, () -> Files.setAttribute(f, "posix:nonsense", 3L));
            assertThrows(FileSystemException.class, () -> Files.setAttribute(f, "posix:owner", Files.getOwner(image)));
        }
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            assertEquals(JUL_2020, Files.getLastModifiedTime(fs.getPath("/f")));
            assertEquals("rw-rw-r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.getPath("/f"))));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.getPath("/d"))));
        }
    }

    @Test
    void symlinksAreFollowedUnlessNoFollowIsGiven() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            Path target = fs.getPath("/target");
            Path link = fs.getPath("/link");
            Files.writeString(target, "t");
            Files.createSymbolicLink(link, fs.getPath("target"));
            Files.setLastModifiedTime(link, JAN_2001);
            Files.setPosixFilePermissions(link, PosixFilePermissions.fromString("rwx------"));
            Files.getFileAttributeView(link, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(JUL_2020, null, null);
            PosixFileAttributeView noFollow = Files.getFileAttributeView(link, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertThrows(FileSystemException.class,
                    () -> noFollow.setPermissions(PosixFilePermissions.fromString("r--------")));
        }
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            assertEquals(JAN_2001, Files.getLastModifiedTime(fs.getPath("/target")));
            assertEquals("rwx------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.getPath("/target"))));
            assertEquals(JUL_2020, Files.getLastModifiedTime(fs.getPath("/link"), LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aReadOnlyFileSystemRefusesThemAndKeepsTheOldValues() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(image)) {
            Files.writeString(fs.getPath("/f"), "x");
            Files.setLastModifiedTime(fs.getPath("/f"), JAN_2001);
        }
        try (FileSystem fs = FileSystems.newFileSystem(image, Map.of("readOnly", true))) {
            Path f = fs.getPath("/f");
            assertThrows(ReadOnlyFileSystemException.class, () -> Files.setLastModifiedTime(f, JUL_2020));
            assertThrows(ReadOnlyFileSystemException.class,
                    () -> Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------")));
            assertEquals(JAN_2001, Files.getLastModifiedTime(f));
            assertFalse(Files.isWritable(f));
        }
    }
}
