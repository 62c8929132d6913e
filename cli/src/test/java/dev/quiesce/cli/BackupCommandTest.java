package dev.quiesce.cli;

import static dev.quiesce.cli.Images.expectOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backup and restore in-process, with the bad inputs: existing target, no space, Ctrl-C. */
class BackupCommandTest {
    @TempDir Path dir;

    @Test
    void aBackupIsVerifiedAndRestoresToTheSameFiles() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "16M", 3, 300_000);
        Path backup = dir.resolve("v.bak");
        CliRun run = expectOk(CliRun.inProcess("backup", image.toString(), backup.toString()));
        assertTrue(run.out().contains("verified (byte for byte, fsck clean)"), run::toString);
        assertTrue(run.out().matches("(?s)froze .* for [0-9.]+ ms; snapshot backup-.*"), run::toString);
        assertTrue(run.err().contains("backup 100%"), "a progress bar was drawn: " + run);
        java.util.regex.Matcher copied = java.util.regex.Pattern.compile("\\): ([0-9.]+) (KiB|MiB) copied")
                .matcher(run.out());
        assertTrue(copied.find(), run::toString);
        double mib = Double.parseDouble(copied.group(1)) / (copied.group(2).equals("KiB") ? 1024 : 1);
        assertTrue(mib < 4.0, "only the blocks in use at the freeze (about 1 MiB of 16) were copied: " + run.out());
        assertFalse(Files.exists(BlockCopy.partialOf(backup)));
        assertTrue(expectOk(CliRun.inProcess("snapshots", "list", image.toString())).out().startsWith("no snapshots"),
                "the backup's snapshot was deleted");

        Path restored = dir.resolve("restored.img");
        CliRun restore = expectOk(CliRun.inProcess("restore", backup.toString(), restored.toString(), "--no-progress"));
        assertTrue(restore.out().contains("verified"), restore::toString);
        for (int i = 0; i < 3; i++) {
            Path out = dir.resolve("out" + i);
            expectOk(CliRun.inProcess("get", restored.toString(), "/data/f" + i, out.toString()));
            assertArrayEquals(Files.readAllBytes(dir.resolve("v.img-" + i + ".bin")), Files.readAllBytes(out));
        }

        CliRun exists = CliRun.inProcess("restore", backup.toString(), restored.toString());
        assertEquals(ExitCode.USAGE, exists.exitCode(), exists::toString);
        expectOk(CliRun.inProcess("restore", backup.toString(), restored.toString(), "--force", "--no-progress"));
    }

    @Test
    void anExistingTargetIsNotOverwrittenWithoutForce() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "4M", 1, 1000);
        Path backup = Files.writeString(dir.resolve("v.bak"), "precious");
        CliRun run = CliRun.inProcess("backup", image.toString(), backup.toString());
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertEquals("precious", Files.readString(backup));
        assertFalse(Files.exists(Image.sidecar(image)), "nothing was frozen or snapshotted");
    }

    @Test
    void aMissingImageIsNotFound() {
        CliRun run = CliRun.inProcess("backup", dir.resolve("none.img").toString(), dir.resolve("b").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
    }

    @Test
    void aTargetWithoutSpaceFailsBeforeAnythingIsWritten() throws Exception {
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        assumeTrue(Tmpfs.mount(small, "512k"), "needs root to mount a 512 KiB tmpfs for the full target");
        try {
            Path image = Images.withFiles(dir, "v.img", "8M", 2, 600_000);
            CliRun run = CliRun.inProcess("backup", image.toString(), small.resolve("v.bak").toString());
            assertEquals(ExitCode.NO_SPACE, run.exitCode(), run::toString);
            assertTrue(run.err().startsWith("quiesce: no space for the backup in "), run::toString);
            try (var left = Files.list(small)) {
                assertEquals(0, left.count(), "nothing partial is left");
            }
            expectOk(CliRun.inProcess("fsck", image.toString()));
        } finally {
            Tmpfs.unmount(small);
        }
    }

    @Test
    void ctrlCDuringTheCopyThawsRemovesThePartialBackupAndExits130() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "16M", 4, 1_000_000);
        Path backup = dir.resolve("v.bak");
        CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(() -> CliRun.inProcess(
                "backup", image.toString(), backup.toString(), "--max-rate", "512K", "--no-progress"));
        Path partial = BlockCopy.partialOf(backup);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(partial) && System.nanoTime() < deadline && !running.isDone()) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(partial), "the copy started");
        Main.cancelRunning();
        CliRun run = running.get(60, TimeUnit.SECONDS);
        assertEquals(ExitCode.INTERRUPTED, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quiesce: interrupted: ") && run.err().contains("was thawed")
                && run.err().contains("removed"), run::toString);
        assertFalse(Files.exists(partial), "the partial backup was removed");
        assertFalse(Files.exists(backup));
        assertTrue(expectOk(CliRun.inProcess("snapshots", "list", image.toString())).out().startsWith("no snapshots"));
        expectOk(CliRun.inProcess("fsck", image.toString()));
        expectOk(CliRun.inProcess("put", image.toString(), dir.resolve("v.img-0.bin").toString(), "/again"));
    }
}
