package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FsckReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The mount in a child JVM: SIGTERM commits and unmounts; after SIGKILL the dead mount is cleared. */
@Timeout(150)
class FuseProcessTest {
    @TempDir
    Path tmp;
    Path image;
    Path mnt;
    Process child;

    @BeforeEach
    void format() throws Exception {
        Shell.assumeFuse();
        image = tmp.resolve("disk.img");
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        FreshImages.format(image, 16384);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        if (Mounts.at(mnt).isPresent()) {
            Mounts.unmount(mnt, true);
        }
    }

    private Process startMount() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                MountProcess.class.getName(), image.toString(), mnt.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    if (line.startsWith(MountProcess.READY)) {
                        Thread drain = new Thread(() -> drain(out));
                        drain.setDaemon(true);
                        drain.start();
                        return line;
                    }
                }
            } catch (java.io.IOException e) {
                seen.append(e);
            }
            throw new IllegalStateException("the mount process ended before mounting:\n" + seen);
        });
        ready.get(60, TimeUnit.SECONDS);
        return p;
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                continue;
            }
        } catch (java.io.IOException gone) {
            // The child ended; nothing more to read.
        }
    }

    private String readFromImage(String path) throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.open(image, 4096, true)) {
            FsckReport report = Dusk.fsck(dev);
            assertTrue(report.isClean(), "fsck: " + report);
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
                return new String(fs.readFile(path), StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void sigtermCommitsAndUnmounts() throws Exception {
        child = startMount();
        Shell.ok(mnt, 30, "mkdir d && seq 1 1000 > d/numbers");
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the mount process did not end after SIGTERM");
        assertFalse(Mounts.at(mnt).isPresent(), "still mounted after SIGTERM");
        assertFalse(Files.exists(FuseMount.controlSocketFor(image)), "control socket left behind");
        assertTrue(readFromImage("/d/numbers").endsWith("999\n1000\n"), "not committed at SIGTERM");
    }

    @Test
    void afterSigkillTheImageIsConsistentAndTheDeadMountIsCleared() throws Exception {
        child = startMount();
        Shell.ok(mnt, 30, "echo durable > kept && sync kept && echo maybe > unsynced");
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Mounts.at(mnt).isPresent(), "the kernel keeps the dead mount");
        assertTrue(Mounts.isDead(mnt), "the mount should answer 'Transport endpoint is not connected'");
        assertTrue(FuseMount.umount(mnt), "umount of the dead mount");
        assertFalse(Mounts.at(mnt).isPresent(), "the dead mount was not cleared");
        assertEquals("durable\n", readFromImage("/kept"));

        child = startMount();
        Shell.ok(mnt, 30, "cat kept && echo second > second && sync second");
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        // The next mount clears the dead one itself.
        try (FuseMount m = FuseMount.mount(image, mnt, false)) {
            assertEquals("durable\nsecond\n", Shell.ok(mnt, 30, "cat kept second"));
        }
        assertEquals("second\n", readFromImage("/second"));
    }

    @Test
    void umountAsksTheLiveMountToCommit() throws Exception {
        child = startMount();
        Shell.ok(mnt, 30, "echo via-control > f");
        Path other = Files.createDirectory(tmp.resolve("other"));
        java.nio.file.FileSystemException second = org.junit.jupiter.api.Assertions.assertThrows(
                java.nio.file.FileSystemException.class, () -> FuseMount.mount(image, other, false),
                "a second read-write mount of the image from another process");
        assertTrue(second.getMessage().contains("mounted elsewhere"), second.getMessage());
        assertTrue(FuseMount.umount(mnt));
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the mount process did not end after umount");
        assertFalse(Mounts.at(mnt).isPresent());
        assertEquals("via-control\n", readFromImage("/f"));
        assertFalse(FuseMount.umount(mnt), "nothing mounted any more");
    }
}
