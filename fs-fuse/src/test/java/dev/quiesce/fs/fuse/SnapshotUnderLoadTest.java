package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapOrigin;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot of a mounted, busy filesystem: fio writes through the mount while the test
 * freezes it through the control channel, cuts a dmsnap copy-on-write snapshot of the
 * device underneath, and thaws. The snapshot must pass fsck, mount without replay and
 * hold exactly what the mount served while frozen.
 */
@Timeout(150)
class SnapshotUnderLoadTest {
    @TempDir
    Path tmp;

    @Test
    void snapshotUnderFioLoadEqualsTheFrozenState() throws Exception {
        Shell.assumeFuse();
        Path image = tmp.resolve("disk.img");
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try {
            snapshotUnderLoad(image, mnt);
        } finally {
            if (Mounts.at(mnt).isPresent()) {
                Mounts.unmount(mnt, true); // a failed test must not leave a mount behind
            }
        }
    }

    private void snapshotUnderLoad(Path image, Path mnt) throws Exception {
        try (FileBlockDevice real = FileBlockDevice.create(image, 4096, 32768, false);
             DmsnapProvider provider = DmsnapProvider.onFile(tmp.resolve("cow.store"), 4096, 0)) {
            Dusk.format(real);
            DmsnapOrigin origin = provider.origin(real);
            Map<String, String> frozenState;
            Snapshot snapshot;
            CompletableFuture<Shell.Result> fio;
            try (FuseMount mount = FuseMount.mount(origin, mnt, tmp.resolve("ctl"), MountOptions.defaults())) {
                Shell.ok(mnt, 30, "mkdir tree && for i in $(seq 1 50); do echo $i > tree/f$i; done");
                fio = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Shell.run(mnt, 90, "fio --name=load --directory=" + mnt + " --rw=randwrite --bs=4k"
                                + " --size=8m --numjobs=2 --time_based --runtime=5 --ioengine=psync --fsync=32");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                awaitFioFiles(mnt);
                MountedFreezable target = MountedFreezable.of(mount.controlSocket());
                PendingSnapshot pending = provider.prepare(SnapshotRequest.of("under-load", origin.source("vol")));
                try (FreezeHandle h = target.freeze(FreezeRequest.of("snapshot-test"))) {
                    frozenState = digests(mnt);
                    snapshot = pending.cut(h.blockUsage().orElseThrow());
                }
                snapshot = pending.complete();
                Shell.Result done = fio.get(120, TimeUnit.SECONDS);
                assertEquals(0, done.exit(), "fio under the freeze:\n" + done.output());
            }
            assertTrue(frozenState.size() >= 52, "files seen while frozen: " + frozenState.keySet());
            try (BlockDevice view = snapshot.open()) {
                FsckReport report = Dusk.fsck(view);
                assertTrue(report.isClean(), "fsck of the snapshot: " + report);
                try (Dusk snap = Dusk.mount(view, DuskOptions.defaults().withReadOnly(true))) {
                    assertEquals(0, snap.replayedRecords(), "a frozen image mounts without replay");
                    for (Map.Entry<String, String> e : frozenState.entrySet()) {
                        assertEquals(e.getValue(), sha256(snap.readFile("/" + e.getKey())), "content of " + e.getKey());
                    }
                }
            }
        }
    }

    private static void awaitFioFiles(Path mnt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (var files = Files.list(mnt)) {
                if (files.filter(p -> p.getFileName().toString().startsWith("load.")).count() >= 2) {
                    Thread.sleep(500); // let the writers get going
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fio created no files within 30 s");
            }
            Thread.sleep(50);
        }
    }

    /** Every file under the mount, read through the mount while frozen (reads never block, F10). */
    private static Map<String, String> digests(Path mnt) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (var walk = Files.walk(mnt)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                out.put(mnt.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
