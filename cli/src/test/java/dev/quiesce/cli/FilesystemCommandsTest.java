package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mkfs, put, ls, get, stat, fsck in-process, with the bad inputs each must refuse. */
class FilesystemCommandsTest {
    @TempDir Path dir;

    private Path image() {
        return dir.resolve("vol.img");
    }

    private CliRun ok(String... args) {
        CliRun run = CliRun.inProcess(args);
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertEquals("", run.err(), run::toString);
        return run;
    }

    @Test
    void aFileRoundTripsThroughAnImage() throws Exception {
        ok("mkfs", image().toString(), "--size", "16M");
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(content);
        Path local = Files.write(dir.resolve("in.bin"), content);

        assertTrue(ok("put", image().toString(), local.toString(), "/data/in.bin", "-p").out().contains("3145745 bytes"));
        assertEquals("data\n", ok("ls", image().toString()).out());
        assertTrue(ok("ls", "-l", image().toString(), "/data").out().matches("(?s)file\\s+3145745\\s+1 .* in.bin\n"));

        Path out = dir.resolve("out.bin");
        ok("get", image().toString(), "/data/in.bin", out.toString());
        assertArrayEquals(content, Files.readAllBytes(out));

        String stat = ok("stat", image().toString(), "/data/in.bin").out();
        assertTrue(stat.contains("type:     file") && stat.contains("size:     3145745"), stat);
        String statfs = ok("stat", image().toString()).out();
        assertTrue(statfs.contains("block size:   4096") && statfs.contains("blocks:       4096 (16.0 MiB)"), statfs);

        assertTrue(ok("fsck", "--no-progress", image().toString()).out().contains(": clean:"));
        CliRun fsck = CliRun.inProcess("fsck", image().toString());
        assertEquals(ExitCode.OK, fsck.exitCode(), fsck::toString);
        assertTrue(fsck.err().contains("checking inodes 100%") && fsck.err().contains("checking the bitmap 100%"),
                () -> "a progress bar per fsck phase: " + fsck);
    }

    @Test
    void aMissingImageIsNotFound() {
        for (String command : new String[] {"fsck", "ls", "stat"}) {
            CliRun run = CliRun.inProcess(command, dir.resolve("absent.img").toString());
            assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
            assertEquals("quiesce: no such file: " + dir.resolve("absent.img") + "\n", run.err(), run::toString);
        }
    }

    @Test
    void aCorruptImageIsReportedAsCorrupt() throws Exception {
        byte[] garbage = new byte[1 << 20];
        new Random(1).nextBytes(garbage);
        Path bad = Files.write(dir.resolve("bad.img"), garbage);
        CliRun ls = CliRun.inProcess("ls", bad.toString());
        assertEquals(ExitCode.CORRUPT, ls.exitCode(), ls::toString);
        assertTrue(ls.err().startsWith("quiesce: ") && ls.err().contains("superblock"), ls::toString);
        assertEquals(1, ls.err().lines().count(), ls::toString);

        CliRun fsck = CliRun.inProcess("fsck", bad.toString());
        assertEquals(ExitCode.CORRUPT, fsck.exitCode(), fsck::toString);
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Path bad = Files.write(dir.resolve("bad.img"), new byte[1 << 20]);
        CliRun run = CliRun.inProcess("ls", "--verbose", bad.toString());
        assertEquals(ExitCode.CORRUPT, run.exitCode(), run::toString);
        assertTrue(run.err().contains("\tat dev.quiesce."), run::toString);
    }

    @Test
    void mkfsRefusesToOverwriteWithoutForce() throws Exception {
        ok("mkfs", image().toString(), "--size", "1M");
        CliRun again = CliRun.inProcess("mkfs", image().toString(), "--size", "1M");
        assertEquals(ExitCode.USAGE, again.exitCode(), again::toString);
        assertTrue(again.err().contains("--force"), again::toString);
        ok("mkfs", image().toString(), "--size", "2M", "--force");
        assertEquals(2L << 20, Files.size(image()));

        CliRun badSize = CliRun.inProcess("mkfs", dir.resolve("x.img").toString(), "--size", "lots");
        assertEquals(ExitCode.USAGE, badSize.exitCode(), badSize::toString);
        assertFalse(Files.exists(dir.resolve("x.img")));
    }

    @Test
    void getOfAMissingFileNamesIt() throws Exception {
        ok("mkfs", image().toString(), "--size", "1M");
        CliRun run = CliRun.inProcess("get", image().toString(), "/nope", dir.resolve("o").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
        assertTrue(run.err().contains("/nope"), run::toString);
        assertFalse(Files.exists(dir.resolve("o")), "nothing is left behind");
    }
}
