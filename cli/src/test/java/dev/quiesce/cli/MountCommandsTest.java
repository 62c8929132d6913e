package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.spi.BlockDevice;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quiesce mount}, {@code umount} and {@code freeze} as a user runs them: each in
 * its own process, with the shell writing through the mount.
 */
@Timeout(240)
class MountCommandsTest {
    @TempDir Path dir;
    Path image;
    Path mnt;
    final List<Process> children = new ArrayList<>();

    @BeforeEach
    void image() throws Exception {
        image = dir.resolve("vol.img");
        mnt = Files.createDirectory(dir.resolve("mnt"));
        Images.expectOk(CliRun.inProcess("mkfs", image.toString(), "--size", "32M"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        }
        if (Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " ")) {
            run("fusermount", "-uz", mnt.toString()); // a failed test must not leave a mount behind
        }
    }

    static void assumeFuse() {
        boolean fuse = Files.exists(Path.of("/dev/fuse"))
                && (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2"))
                    || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libfuse.so.2")))
                && Files.isExecutable(Path.of("/usr/bin/fusermount"));
        if (!fuse) {
            System.out.println("SKIPPED mount test: needs /dev/fuse, libfuse2 and fusermount (fuse3)");
        }
        Assumptions.assumeTrue(fuse, "needs /dev/fuse, libfuse2 and fusermount (fuse3)");
    }

    /** Runs a shell script, bounded, and returns its exit code and output. */
    private static CliRun run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new CliRun(p.exitValue(), out.get(10, TimeUnit.SECONDS), "");
    }

    private static String sh(String script) throws Exception {
        CliRun r = run("sh", "-c", script);
        assertEquals(0, r.exitCode(), script + "\n" + r.out());
        return r.out();
    }

    /** Starts {@code quiesce mount} and waits (bounded) until it says it is mounted. */
    private Process mount(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("mount", image.toString(), mnt.toString()));
        args.addAll(List.of(extra));
        Process p = CliRun.startChild(args.toArray(String[]::new));
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return e.toString();
            }
        }).get(90, TimeUnit.SECONDS);
        assertTrue(line != null && line.contains(" mounted on " + mnt), "quiesce mount said: " + line + "\n"
                + (p.isAlive() ? "" : new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)));
        return p;
    }

    /** The content of {@code path} in the image, through {@code quiesce get}. */
    private String get(String path) throws Exception {
        Path out = dir.resolve("got-" + path.replace('/', '_'));
        Images.expectOk(CliRun.inProcess("get", image.toString(), path, out.toString()));
        String content = Files.readString(out);
        Files.delete(out);
        return content;
    }

    private static void awaitFile(Path f, Process owner) throws Exception {
        for (int i = 0; i < 1200 && !Files.exists(f); i++) {
            assertTrue(owner.isAlive() || Files.exists(f), "the process ended before " + f + " appeared");
            Thread.sleep(50);
        }
        assertTrue(Files.exists(f), f + " never appeared");
    }

    @Test
    void mountWriteFreezeAroundACommandThenUmountCommits() throws Exception {
        assumeFuse();
        Process mount = mount();
        sh("mkdir " + mnt + "/d && seq 1 1000 > " + mnt + "/d/numbers && echo before > " + mnt + "/d/f");

        CliRun busy = CliRun.inProcess("put", image.toString(), image.toString(), "/x");
        assertEquals(ExitCode.MOUNT_REFUSED, busy.exitCode(), busy::toString);
        assertTrue(busy.err().contains("mounted elsewhere"), busy::toString);

        Path frozen = dir.resolve("frozen");
        Path release = dir.resolve("release");
        Path seen = dir.resolve("read-while-frozen");
        Process freeze = CliRun.startChild("freeze", mnt.toString(), "--", "sh", "-c",
                "touch " + frozen + "; i=0; while [ ! -e " + release + " ] && [ $i -lt 1200 ]; do sleep 0.1;"
                        + " i=$((i+1)); done; cat " + mnt + "/d/f > " + seen + "; exit 3");
        children.add(freeze);
        awaitFile(frozen, freeze);

        // Another process's write waits for the thaw; so does an unmount (refused while frozen).
        Path written = dir.resolve("written");
        Process writer = new ProcessBuilder("sh", "-c", "echo after > " + mnt + "/d/f && touch " + written).start();
        children.add(writer);
        CliRun umountFrozen = CliRun.child("umount", mnt.toString());
        assertEquals(ExitCode.MOUNT_REFUSED, umountFrozen.exitCode(), umountFrozen::toString);
        assertTrue(writer.isAlive() && !Files.exists(written), "a write went through while frozen");

        Files.createFile(release);
        CliRun froze = CliRun.finish(freeze);
        assertEquals(3, froze.exitCode(), "the exit code is COMMAND's: " + froze);
        assertTrue(froze.err().contains("frozen in") && froze.err().contains("thawed"), froze::toString);
        assertEquals("before\n", Files.readString(seen), "reads go on while frozen, and see the frozen state");
        assertTrue(writer.waitFor(60, TimeUnit.SECONDS), "the write did not finish after the thaw");
        assertEquals(0, writer.exitValue());
        assertTrue(Files.exists(written));

        CliRun umount = CliRun.child("umount", mnt.toString());
        assertEquals(ExitCode.OK, umount.exitCode(), umount::toString);
        assertTrue(mount.waitFor(60, TimeUnit.SECONDS), "quiesce mount did not end after umount");
        assertEquals(ExitCode.OK, mount.exitValue());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " "), "still mounted");

        assertTrue(Images.expectOk(CliRun.inProcess("fsck", image.toString())).out().contains("clean"));
        assertEquals("after\n", get("/d/f"));
        CliRun again = CliRun.inProcess("umount", mnt.toString());
        assertEquals(ExitCode.NOT_FOUND, again.exitCode(), again::toString);
    }

    @Test
    void freezeHoldsForTheGivenTimeAndSigtermCommitsTheMount() throws Exception {
        assumeFuse();
        Process mount = mount();
        sh("echo kept > " + mnt + "/f");
        CliRun held = CliRun.child("freeze", mnt.toString(), "--for", "1s", "--lease", "3s");
        assertEquals(ExitCode.OK, held.exitCode(), held::toString);
        assertTrue(held.err().contains("frozen in") && held.err().contains("thawed"), held::toString);
        // The hazard in 'freeze --help': a COMMAND writing to DIR waits for the thaw, which
        // waits for COMMAND; --for ends it, and the freeze reports the failure.
        CliRun stuck = CliRun.child("freeze", mnt.toString(), "--for", "2s", "--", "sh", "-c",
                "echo stuck > " + mnt + "/g");
        assertEquals(ExitCode.SNAPSHOT_FAILED, stuck.exitCode(), stuck::toString);
        assertTrue(stuck.err().contains("stopped it and thawed"), stuck::toString);
        sh("echo more >> " + mnt + "/f");
        mount.destroy(); // SIGTERM: commit and unmount
        assertTrue(mount.waitFor(60, TimeUnit.SECONDS), "quiesce mount did not end on SIGTERM");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " "), "still mounted");
        assertEquals("kept\nmore\n", get("/f"));
        Images.expectOk(CliRun.inProcess("fsck", image.toString()));
    }

    @Test
    void readOnlyMountRefusesWrites() throws Exception {
        assumeFuse();
        Images.expectOk(CliRun.inProcess("put", image.toString(), Files.writeString(dir.resolve("n"), "note").toString(),
                "/note"));
        Process mount = mount("--read-only");
        assertEquals("note", sh("cat " + mnt + "/note"));
        CliRun write = run("sh", "-c", "echo x > " + mnt + "/other");
        assertTrue(write.exitCode() != 0 && write.out().contains("Read-only file system"), write::toString);
        assertEquals("note", get("/note"),
                "a read-only mount shares the image with readers");
        Images.expectOk(CliRun.child("umount", mnt.toString()));
        assertTrue(mount.waitFor(60, TimeUnit.SECONDS));
    }

    @Test
    void aMountOfAnImageWithDmsnapSnapshotsWritesThroughTheOriginSoTheyStayExact() throws Exception {
        assumeFuse();
        Images.expectOk(CliRun.inProcess("put", image.toString(), Files.writeString(dir.resolve("n"), "old").toString(),
                "/note"));
        Images.expectOk(CliRun.inProcess("snapshot", image.toString(), "--name", "before"));
        Process mount = mount();
        sh("echo new > " + mnt + "/note && echo added > " + mnt + "/added");
        Images.expectOk(CliRun.child("umount", mnt.toString()));
        // umount returns once the image is free: the next command must not find it locked
        // by a mount process still closing the dmsnap store.
        Images.expectOk(CliRun.inProcess("ls", image.toString()));
        assertTrue(mount.waitFor(60, TimeUnit.SECONDS), "quiesce mount did not end after umount");
        assertEquals(ExitCode.OK, mount.exitValue());

        try (FileBlockDevice real = FileBlockDevice.open(image, 4096, false);
             DmsnapProvider dmsnap = DmsnapProvider.onFile(Image.dmsnapStore(image), 4096, 0)) {
            dmsnap.origin(real);
            try (BlockDevice view = dmsnap.find("before").orElseThrow().open()) {
                assertTrue(Dusk.fsck(view).isClean());
                try (Dusk fs = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                    assertEquals("old", new String(fs.readFile("/note"), StandardCharsets.UTF_8));
                    assertTrue(fs.lookup("/added").isEmpty(), "written after the cut");
                }
            }
        }
        assertEquals("new\n", get("/note"));
        Images.expectOk(CliRun.inProcess("fsck", image.toString()));
    }

    @Test
    void badArgumentsExitWithTheirCodes() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not an image");
        record Case(int code, String... args) { }
        List<Case> cases = List.of(
                new Case(ExitCode.NOT_FOUND, "mount", dir.resolve("absent.img").toString(), mnt.toString()),
                new Case(ExitCode.CORRUPT, "mount", text.toString(), mnt.toString()),
                new Case(ExitCode.NOT_FOUND, "mount", image.toString(), dir.resolve("nodir").toString()),
                new Case(ExitCode.NOT_FOUND, "umount", mnt.toString()),
                new Case(ExitCode.NOT_FOUND, "freeze", mnt.toString(), "--for", "1s"),
                new Case(ExitCode.NOT_FOUND, "freeze", dir.resolve("nodir").toString()),
                new Case(ExitCode.USAGE, "freeze", mnt.toString(), "--lease", "0s"),
                new Case(ExitCode.USAGE, "freeze", mnt.toString(), "--timeout", "soon"));
        for (Case c : cases) {
            CliRun r = CliRun.inProcess(c.args());
            assertEquals(c.code(), r.exitCode(), () -> String.join(" ", c.args()) + "\n" + r);
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("quiesce: ")).count(), r::toString);
        }
    }
}
