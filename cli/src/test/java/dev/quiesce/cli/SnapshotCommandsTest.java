package dev.quiesce.cli;

import static dev.quiesce.cli.Images.expectOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** snapshot, snapshots list|delete, in-process, with both bundled providers. */
class SnapshotCommandsTest {
    @TempDir Path dir;

    @Test
    void dmsnapSnapshotsStayExactWhileTheImageChanges() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "16M", 2, 50_000);
        CliRun snap = expectOk(CliRun.inProcess("snapshot", image.toString(), "--name", "before"));
        assertTrue(snap.out().matches("snapshot before of .* by dmsnap \\(COPY_ON_WRITE\\): freeze window [0-9.]+ ms\n"),
                snap::toString);

        // Change the image after the cut; the snapshot must still read the old state.
        Path replacement = Files.write(dir.resolve("new.bin"), new byte[] {1, 2, 3});
        expectOk(CliRun.inProcess("put", image.toString(), replacement.toString(), "/data/f0"));
        CliRun list = expectOk(CliRun.inProcess("snapshots", "list", image.toString()));
        assertTrue(list.out().matches("(?s)NAME.*\nbefore\\s+dmsnap\\s+COPY_ON_WRITE\\s+ready\\s+.*"), list::toString);

        // The snapshot, read straight through the dmsnap store, still holds the old file.
        byte[] original = Files.readAllBytes(dir.resolve("v.img-0.bin"));
        try (FileBlockDevice real = FileBlockDevice.open(image, 4096, false);
             DmsnapProvider dmsnap = DmsnapProvider.onFile(Image.dmsnapStore(image), 4096, 0)) {
            dmsnap.origin(real);
            Snapshot before = dmsnap.find("before").orElseThrow();
            try (BlockDevice view = before.open();
                 Dusk fs = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                assertArrayEquals(original, fs.readFile("/data/f0"));
            }
        }
        Path now = dir.resolve("f0.now");
        expectOk(CliRun.inProcess("get", image.toString(), "/data/f0", now.toString()));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(now));

        expectOk(CliRun.inProcess("snapshots", "delete", image.toString(), "before"));
        assertTrue(expectOk(CliRun.inProcess("snapshots", "list", image.toString())).out().startsWith("no snapshots"));
        CliRun again = CliRun.inProcess("snapshots", "delete", image.toString(), "before");
        assertEquals(ExitCode.NOT_FOUND, again.exitCode(), again::toString);
        assertTrue(again.err().contains("no snapshot named 'before'"), again::toString);
        expectOk(CliRun.inProcess("fsck", image.toString()));
    }

    @Test
    void filecopySnapshotsAreListedBesideDmsnapOnesAndLeaveThemExact() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "8M", 1, 10_000);
        expectOk(CliRun.inProcess("snapshot", image.toString(), "--name", "cow"));
        Path later = Files.write(dir.resolve("later.bin"), new byte[] {9});
        expectOk(CliRun.inProcess("put", image.toString(), later.toString(), "/later"));
        CliRun snap = expectOk(CliRun.inProcess("snapshot", image.toString(), "--provider", "filecopy", "--name", "fc"));
        assertTrue(snap.out().contains("by filecopy (FULL_COPY)"), snap::toString);
        String list = expectOk(CliRun.inProcess("snapshots", "list", image.toString())).out();
        assertTrue(list.contains("\ncow ") && list.contains("\nfc "), list);

        // The filecopy snapshot's mount wrote through the dmsnap origin: 'cow' is still the old state.
        try (FileBlockDevice real = FileBlockDevice.open(image, 4096, false);
             DmsnapProvider dmsnap = DmsnapProvider.onFile(Image.dmsnapStore(image), 4096, 0)) {
            dmsnap.origin(real);
            try (BlockDevice view = dmsnap.find("cow").orElseThrow().open()) {
                assertTrue(Dusk.fsck(view).isClean());
                try (Dusk fs = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                    assertTrue(fs.lookup("/later").isEmpty(), "written after the cut");
                    assertTrue(fs.lookup("/data/f0").isPresent());
                }
            }
        }
    }

    @Test
    void verboseTracesTheLifecycleEventsTheCliObserves() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "4M", 1, 1000);
        CliRun run = expectOk(CliRun.inProcess("snapshot", "--verbose", image.toString(), "--name", "traced"));
        String err = run.err();
        assertTrue(err.contains("event: BeforeFreeze traced ["), run::toString);
        assertTrue(err.contains("event: Thawed [") && err.contains("after a freeze window of"), run::toString);
        assertTrue(err.indexOf("event: BeforeFreeze") < err.indexOf("event: Thawed")
                && err.indexOf("event: Thawed") < err.indexOf("event: SnapshotReady traced"), run::toString);
    }

    @Test
    void anUnknownProviderListsTheKnownOnes() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "1M", 0, 0);
        CliRun run = CliRun.inProcess("snapshot", image.toString(), "--provider", "zfs");
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertEquals("quiesce: unknown provider 'zfs'; known providers: dmsnap, filecopy\n", run.err());
        assertFalse(Files.exists(Image.sidecar(image)), "nothing was created");
    }

    @Test
    void aBadSnapshotNameIsAUsageError() throws Exception {
        Path image = Images.withFiles(dir, "v.img", "1M", 0, 0);
        CliRun run = CliRun.inProcess("snapshot", image.toString(), "--name", "../escape");
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains("invalid snapshot name"), run::toString);
    }

    @Test
    void snapshotOfAMissingImageIsNotFound() {
        CliRun run = CliRun.inProcess("snapshot", dir.resolve("none.img").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
    }
}
