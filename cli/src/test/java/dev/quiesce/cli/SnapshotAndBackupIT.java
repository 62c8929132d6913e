package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** demo, providers, snapshot, snapshots, backup, restore and Ctrl-C through the packaged jar. */
class SnapshotAndBackupIT {
    @TempDir Path dir;

    private static CliRun ok(String... args) throws Exception {
        CliRun run = CliRun.process(args);
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        return run;
    }

    /** Set-up, in this JVM: mkfs and put have their own process tests. */
    private Path image(String size, int megabytes) throws Exception {
        Path image = dir.resolve("v.img");
        Images.expectOk(CliRun.inProcess("mkfs", image.toString(), "--size", size));
        if (megabytes > 0) {
            byte[] data = new byte[megabytes << 20];
            new Random(5).nextBytes(data);
            Path local = Files.write(dir.resolve("data.bin"), data);
            Images.expectOk(CliRun.inProcess("put", image.toString(), local.toString(), "/data.bin"));
        }
        return image;
    }

    @Test
    void theDemoRunsWithNoArguments() throws Exception {
        CliRun run = ok("demo");
        assertTrue(run.out().contains("verdict         PASS"), run::toString);
    }

    @Test
    void providersListsBoth() throws Exception {
        CliRun run = ok("providers");
        assertTrue(run.out().contains("\ndmsnap ") && run.out().contains("\nfilecopy "), run::toString);
    }

    @Test
    void snapshotListDeleteBackupRestore() throws Exception {
        Path image = image("16M", 2);
        assertTrue(ok("snapshot", image.toString(), "--name", "one").out().contains("freeze window"));
        assertTrue(ok("snapshots", "list", image.toString()).out().contains("\none "));
        ok("snapshots", "delete", image.toString(), "one");
        Path backup = dir.resolve("v.bak");
        assertTrue(ok("backup", image.toString(), backup.toString()).out().contains("verified"));
        Path restored = dir.resolve("r.img");
        assertTrue(ok("restore", backup.toString(), restored.toString()).out().contains("verified"));
        assertTrue(ok("ls", restored.toString()).out().contains("data.bin"));

        CliRun unknown = CliRun.process("backup", image.toString(), dir.resolve("x").toString(), "--provider", "zfs");
        assertEquals(ExitCode.USAGE, unknown.exitCode(), unknown::toString);
        assertEquals("quiesce: unknown provider 'zfs'; known providers: dmsnap, filecopy", unknown.err().strip());

        CliRun missing = CliRun.process("backup", dir.resolve("none.img").toString(), dir.resolve("y").toString());
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing::toString);
    }

    @Test
    void aFullTargetExitsFive() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        assumeTrue(Tmpfs.mount(small, "512k"), "needs root to mount a 512 KiB tmpfs for the full target");
        try {
            Path image = image("8M", 2);
            CliRun run = CliRun.process("backup", image.toString(), small.resolve("v.bak").toString());
            assertEquals(ExitCode.NO_SPACE, run.exitCode(), run::toString);
            assertTrue(run.err().startsWith("quiesce: no space for the backup"), run::toString);
        } finally {
            Tmpfs.unmount(small);
        }
    }

    @Test
    void ctrlCDuringABackupExits130AndLeavesNothingPartial() throws Exception {
        Path image = image("16M", 4);
        Path backup = dir.resolve("v.bak");
        Process process = CliRun.start("backup", image.toString(), backup.toString(), "--max-rate", "512K",
                "--no-progress");
        Path partial = BlockCopy.partialOf(backup);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(partial) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(partial), "the copy started");
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "SIGINT sent");
        CliRun run = CliRun.finish(process);
        assertEquals(ExitCode.INTERRUPTED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("quiesce: interrupted: ") && run.err().contains("was thawed"), run::toString);
        assertFalse(Files.exists(partial), "the partial backup was removed");
        assertFalse(Files.exists(backup));
        assertTrue(ok("snapshots", "list", image.toString()).out().startsWith("no snapshots"),
                "the backup's snapshot was deleted");
        ok("fsck", image.toString());
    }
}
