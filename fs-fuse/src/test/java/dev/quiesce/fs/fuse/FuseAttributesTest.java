package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FileStat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** chmod and utimens through a real mount, from the shell: touch, touch -d, chmod, cp -p. */
@Timeout(120)
class FuseAttributesTest {
    @TempDir
    Path tmp;
    Path image;
    Path mnt;
    FuseMount mount;

    @BeforeEach
    void mountFresh() throws Exception {
        Shell.assumeFuse();
        image = tmp.resolve("disk.img");
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        mount = FreshImages.formatAndMount(image, 8192, mnt);
    }

    @AfterEach
    void unmount() throws Exception {
        FreshImages.close(mount, mnt);
    }

    @Test
    void touchSetsTimesAndChmodSetsModes() throws Exception {
        String out = Shell.ok(mnt, 30, String.join("\n",
                "start=$(date +%s)",
                "touch new && stat -c 'new %a %s' new",
                "echo data > f && touch -d @981173106 f && stat -c 'date %Y' f",
                "touch -d '2001-02-03 04:05:07.250 UTC' f && stat -c 'precise %.3Y' f",
                "touch -a -d @5 f && stat -c 'atime-only %Y' f",
                "touch -m -d @1000000000 f && stat -c 'mtime-only %Y' f",
                "touch f && test $(stat -c %Y f) -ge $start && echo touched-now",
                "chmod 4750 f && stat -c 'setuid %a' f",
                "chmod u=rw,go= f && stat -c 'symbolic %a' f",
                "mkdir d && chmod 1777 d && touch -d @1234567890 d && stat -c 'dir %a %Y' d",
                "touch -d @981173106 f && cp -p f g && stat -c 'copy %a %Y' g && cat g",
                "ln -s f link && touch -h -d @1500000000 link && stat -c 'link %Y' link && stat -L -c 'target %Y' link"));
        String[] expect = {"new 644 0", "date 981173106", "precise 981173107.250", "atime-only 981173107",
            "mtime-only 1000000000", "touched-now", "setuid 4750", "symbolic 600", "dir 1777 1234567890",
            "copy 600 981173106", "data", "link 1500000000", "target 981173106"};
        String rest = out;
        for (String e : expect) {
            int at = rest.indexOf(e + "\n");
            assertTrue(at >= 0, "expected '" + e + "' next in:\n" + out);
            rest = rest.substring(at + e.length());
        }
    }

    @Test
    void modesAndTimesAreCommittedAndSurviveARemount() throws Exception {
        Shell.ok(mnt, 30, String.join("\n",
                "echo x > f && chmod 600 f && touch -d @981173106 f",
                "mkdir -m 700 private && touch -d @1234567890 private"));
        mount.close();
        mount = null;
        try (FileBlockDevice dev = FileBlockDevice.open(image, 4096, true)) {
            assertTrue(Dusk.fsck(dev).isClean(), "fsck after the mount");
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
                FileStat f = fs.stat("/f");
                assertEquals(0600, f.mode());
                assertEquals(981_173_106_000L, f.modifiedMillis());
                assertEquals(0700, fs.stat("/private").mode());
                assertEquals(1_234_567_890_000L, fs.stat("/private").modifiedMillis());
            }
        }
        mount = FuseMount.mount(image, mnt, false);
        assertEquals("600 981173106\n700 1234567890\n", Shell.ok(mnt, 10, "stat -c '%a %Y' f private"));
    }
}
