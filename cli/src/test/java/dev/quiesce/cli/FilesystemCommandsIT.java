package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem commands through the packaged jar, as a user runs them. */
class FilesystemCommandsIT {
    @TempDir Path dir;

    private static CliRun ok(String... args) throws Exception {
        CliRun run = CliRun.process(args);
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        return run;
    }

    @Test
    void mkfsPutGetLsStatFsck() throws Exception {
        Path image = dir.resolve("vol.img");
        ok("mkfs", image.toString(), "--size", "8M");
        byte[] content = new byte[200_000];
        new Random(3).nextBytes(content);
        Path local = Files.write(dir.resolve("a.bin"), content);
        ok("put", image.toString(), local.toString(), "/a.bin");
        Files.writeString(dir.resolve("note.txt"), "hello, frozen world\n");
        ok("put", image.toString(), dir.resolve("note.txt").toString(), "/docs/note.txt", "--parents");
        assertEquals("a.bin\ndocs\n", ok("ls", image.toString()).out());
        Path back = dir.resolve("b.bin");
        ok("get", image.toString(), "/a.bin", back.toString());
        assertArrayEquals(content, Files.readAllBytes(back));
        assertEquals("hello, frozen world\n", ok("get", image.toString(), "/docs/note.txt", "-").out());
        assertTrue(ok("stat", image.toString(), "/docs").out().contains("type:     directory"));
        assertTrue(ok("fsck", image.toString()).out().contains("clean"));
    }

    @Test
    void badImagesExitWithTheirCodes() throws Exception {
        CliRun missing = CliRun.process("ls", dir.resolve("absent.img").toString());
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing::toString);
        assertEquals("quiesce: no such file: " + dir.resolve("absent.img"), missing.err().strip());

        Path corrupt = Files.write(dir.resolve("corrupt.img"), "not a filesystem".repeat(65536)
                .getBytes(StandardCharsets.US_ASCII));
        CliRun fsck = CliRun.process("fsck", corrupt.toString());
        assertEquals(ExitCode.CORRUPT, fsck.exitCode(), fsck::toString);
        CliRun ls = CliRun.process("ls", corrupt.toString());
        assertEquals(ExitCode.CORRUPT, ls.exitCode(), ls::toString);
        assertEquals(1, ls.err().lines().count(), ls::toString);
    }

    @Test
    void kitOnABrokenPluginExitsOne() throws Exception {
        Path jar = PluginJars.brokenPlugin(dir);
        CliRun run = CliRun.process("kit", jar.toString(), "--report", dir.resolve("r").toString());
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run::toString);
        assertTrue(KitCommandTest.row(run.out(), "S2", "FAILED"), run::toString);
        assertTrue(Files.exists(dir.resolve("r/kit-broken-live.json")));
    }
}
