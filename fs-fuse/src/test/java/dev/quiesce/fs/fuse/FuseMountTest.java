package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real mount in this JVM, used from the shell: every operation the filesystem has. */
@Timeout(120)
class FuseMountTest {
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
        mount = FreshImages.formatAndMount(image, 98304, mnt);
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (mount != null) {
                mount.close();
                assertFalse(Mounts.at(mnt).isPresent(), "still mounted after close");
            }
        } finally {
            FreshImages.close(null, mnt);
        }
    }

    @Test
    void mountShowsTypeSourceAndOptions() throws Exception {
        String line = Shell.ok(tmp, 10, "grep ' " + mnt + " ' /proc/self/mountinfo");
        assertTrue(line.contains(" fuse.dusk " + image + " "), line);
        assertTrue(Files.exists(mount.controlSocket()), "control socket beside the image");
        assertEquals(image.resolveSibling("disk.img.ctl"), mount.controlSocket());
    }

    @Test
    void everyOperationFromTheShell() throws Exception {
        String out = Shell.ok(mnt, 30, String.join("\n",
                "mkdir -p a/b/c && echo hello > a/f && cat a/f",
                "echo more >> a/f && wc -c < a/f",
                "ln a/f a/hard && stat -c %h a/f",
                "ln -s f a/sym && readlink a/sym && cat a/sym",
                "truncate -s 10000 a/f && stat -c %s a/f && truncate -s 3 a/f && cat a/f && echo",
                "echo one > x && echo two > y && mv y x && cat x && test ! -e y",
                "mv a/b a/b2 && ls a",
                "rmdir a/b2/c && rmdir a/b2",
                "! rmdir a 2>/dev/null && echo rmdir-nonempty-refused",
                "chmod 640 a/f && stat -c chmod-%a a/f",
                "sync a/f && echo synced",
                "mkdir -m 700 private && (umask 077 && echo s > secret) && stat -c private-%a private secret",
                "df -B4096 . | tail -1 | awk '{print $2}'",
                "stat -c '%i' a/f a/hard | uniq | wc -l"));
        String[] expect = {"hello", "11", "2", "f", "hello", "10000", "hel", "two", "f", "hard", "sym",
            "rmdir-nonempty-refused", "chmod-640", "synced", "private-700", "private-600", "98304", "1"};
        String rest = out;
        for (String e : expect) {
            int at = rest.indexOf(e);
            assertTrue(at >= 0, "expected '" + e + "' next in:\n" + out);
            rest = rest.substring(at + e.length());
        }
    }

    @Test
    void unlinkWhileOpenAndRenameOverExisting() throws Exception {
        String out = Shell.ok(mnt, 30, String.join("\n",
                "seq 1 20000 > f",
                "exec 3< f",
                "rm f && test ! -e f && echo gone",
                "tail -n 1 <&3",
                "exec 3<&-",
                "echo old > t && exec 4< t && echo new > n && mv -f n t && cat t && cat <&4 && exec 4<&-"));
        assertTrue(out.contains("gone\n20000\nnew\nold"), out);
    }

    @Test
    void concurrentProcessesCreateRenameAndRemoveInOneDirectory() throws Exception {
        String out = Shell.ok(mnt, 90, String.join("\n",
                "mkdir d",
                "for j in 1 2 3 4 5 6; do ( for i in $(seq 1 60); do echo $j-$i > d/f$j-$i"
                        + " && mv d/f$j-$i d/g$j-$i && ln d/g$j-$i d/h$j-$i && rm d/g$j-$i; done ) & done",
                "wait",
                "ls d | wc -l",
                "cat d/h4-60",
                "stat -c %h d/h4-60",
                "rm -r d && test ! -e d && echo removed"));
        assertEquals("360\n4-60\n1\nremoved\n", out);
    }

    @Test
    void hundredMegabytesCopyAndCompare() throws Exception {
        Shell.ok(tmp, 60, "head -c 100000000 /dev/urandom > big && cp big " + mnt + "/big && cmp big " + mnt
                + "/big && sync " + mnt + "/big");
        mount.close();
        mount = FuseMount.mount(image, mnt, false);
        Shell.ok(tmp, 60, "cmp big " + mnt + "/big");
    }

    @Test
    void tarInAndOutAndRemoveTree() throws Exception {
        String out = Shell.ok(tmp, 60, String.join("\n",
                "mkdir -p src/d1/d2 src/empty && for i in $(seq 1 200); do echo file $i > src/d1/f$i; done",
                "head -c 3000000 /dev/urandom > src/d1/d2/blob && ln src/d1/f1 src/d1/hardlink && ln -s d1/f2 src/sym",
                "touch -d @981173106 src/d1/f7 && chmod 600 src/d1/f8 && touch -h -d @981000000 src/sym",
                "tar -C src -cf - . | tar -C " + mnt + " -xf - --no-same-owner",
                "mkdir out && tar -C " + mnt + " -cf - . | tar -C out -xf -",
                "diff -r src out && echo trees-equal",
                // tar restores modes and modification times (directories' last, symlinks' own):
                // every name in the tree has them after the round trip through the mount.
                "(cd src && find . -mindepth 1 -exec stat -c '%n %a %Y' {} + | sort) > src.list",
                "(cd out && find . -mindepth 1 -exec stat -c '%n %a %Y' {} + | sort) > out.list",
                "diff src.list out.list && grep -q '^./d1/f7 [0-7]* 981173106$' out.list"
                        + " && grep -q '^./sym 777 981000000$' out.list && echo times-and-modes-kept",
                "test $(stat -c %i out/d1/f1) = $(stat -c %i out/d1/hardlink) && echo hardlink-kept",
                "rm -r " + mnt + "/d1 && ls " + mnt));
        assertTrue(out.contains("trees-equal") && out.contains("hardlink-kept") && out.contains("times-and-modes-kept"),
                out);
        assertEquals("empty\nsym\n", Shell.ok(mnt, 10, "ls"));
    }

    @Test
    void fioVerifiesRandomWritesFromSeveralJobs() throws Exception {
        String out = Shell.ok(mnt, 150, "fio --name=verify --directory=" + mnt + " --rw=randwrite --bs=4k"
                + " --size=8m --numjobs=4 --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1"
                + " --group_reporting");
        assertFalse(out.contains("verify: bad"), out);
        assertTrue(out.contains("err= 0"), out);
    }

    @Test
    void kernelFreezeOfAFuseMountIsNotSupported() throws Exception {
        Shell.Result r = Shell.run(tmp, 20, "fsfreeze -f " + mnt);
        if (r.exit() == 0) {
            Shell.run(tmp, 20, "fsfreeze -u " + mnt);
        }
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("Operation not supported"), "FIFREEZE on FUSE: " + r.output());
    }

    @Test
    void readOnlyMountRefusesWritesAndImageStaysClean() throws Exception {
        Shell.ok(mnt, 10, "echo data > keep");
        mount.close();
        mount = FuseMount.mount(image, mnt, true);
        assertEquals("data\n", Shell.ok(mnt, 10, "cat keep"));
        for (String change : new String[] {"echo x > other", "chmod 600 keep", "touch keep", "touch -d @5 keep"}) {
            Shell.Result r = Shell.run(mnt, 10, change);
            assertNotEquals(0, r.exit(), change);
            assertTrue(r.output().contains("Read-only file system"), change + ": " + r.output());
        }
        mount.close();
        mount = null;
        try (FileBlockDevice dev = FileBlockDevice.open(image, 4096, true)) {
            assertTrue(Dusk.fsck(dev).isClean(), "fsck after the mounts");
            try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withReadOnly(true))) {
                assertEquals("data\n", new String(fs.readFile("/keep")));
            }
        }
    }

    @Test
    void badMountsAreRefusedWithReasons() throws Exception {
        Path img2 = tmp.resolve("two.img");
        try (FileBlockDevice dev = FileBlockDevice.create(img2, 4096, 1024, false)) {
            Dusk.format(dev);
        }
        Path other0 = Files.createDirectory(tmp.resolve("other0"));
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not an image");
        MountException notImage = assertThrows(MountException.class, () -> FuseMount.mount(text, other0, false));
        assertTrue(notImage.getMessage().contains("not a Dusk image"), notImage.getMessage());
        MountException e = assertThrows(MountException.class, () -> FuseMount.mount(img2, mnt, false));
        assertTrue(e.getMessage().contains("already mounted"), e.getMessage());
        Path other = Files.createDirectory(tmp.resolve("other"));
        java.nio.file.FileSystemException again = assertThrows(java.nio.file.FileSystemException.class,
                () -> FuseMount.mount(image, other, false));
        assertTrue(again.getMessage().contains("mounted elsewhere"), again.getMessage());
        assertFalse(Mounts.at(other).isPresent());
    }
}
