package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Writeback ahead of the commit: dirty data past a threshold is written by the committer
 * while the front end goes on, its blocks chosen then and logged with the delta's
 * commit; truncation, deletion and rewrites before the commit lose nothing and leak
 * nothing.
 */
class WritebackTest {
    private static final DuskOptions OPTIONS = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1))
            .withWritebackBytes(64 << 10);

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void dirtyDataPastTheThresholdIsWrittenBeforeItsCommit() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("wb", 4096, 4096);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        byte[] content = random(1 << 20, 1);
        try (Dusk fs = Dusk.mount(device, OPTIONS); DuskFile f = fs.create("/f")) {
            long from = RecordingBlockDevice.mark();
            f.write(0, ByteBuffer.wrap(content));
            long deadline = System.nanoTime() + 10_000_000_000L;
            int ahead = 0;
            while (ahead < 128 && System.nanoTime() < deadline) {
                ahead = device.writesBetween(from, RecordingBlockDevice.mark()).stream()
                        .mapToInt(RecordingBlockDevice.Event::blocks).sum();
                Thread.sleep(5);
            }
            List<RecordingBlockDevice.Event> before = device.writesBetween(from, RecordingBlockDevice.mark());
            assertTrue(ahead >= 128, "only " + ahead + " blocks written ahead of the commit: " + before);
            assertTrue(before.stream().noneMatch(w -> w.block() < 2), "a superblock was written: " + before);
            long commitFrom = RecordingBlockDevice.mark();
            f.fsync();
            int atCommit = device.writesBetween(commitFrom, RecordingBlockDevice.mark()).stream()
                    .mapToInt(RecordingBlockDevice.Event::blocks).sum();
            assertTrue(atCommit < 256 - ahead + 16, atCommit + " blocks written at commit after " + ahead + " ahead");
        }
        try (Dusk fs = Dusk.mount(memory, OPTIONS.withReadOnly(true))) {
            assertArrayEquals(content, fs.readFile("/f"));
        }
        assertTrue(Dusk.fsck(memory).isClean(), Dusk.fsck(memory).toString());
    }

    @Test
    void truncationDeletionAndRewritesAfterAWritebackLoseAndLeakNothing() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("wb", 4096, 4096);
        Dusk.format(dev);
        byte[] kept = random(300_000, 2);
        byte[] rewritten = random(200_000, 3);
        long freeBefore;
        try (Dusk fs = Dusk.mount(dev, OPTIONS)) {
            freeBefore = fs.statfs().freeBlocks();
            Commit commit = fs.volume().commit;
            try (DuskFile f = fs.create("/kept")) {
                f.write(0, ByteBuffer.wrap(random(1 << 20, 4)));
                commit.writeBackAndWait();
                f.truncate(100_000);
                f.write(0, ByteBuffer.wrap(kept));
                commit.writeBackAndWait();
                f.write(50_000, ByteBuffer.wrap(rewritten));
            }
            try (DuskFile g = fs.create("/gone")) {
                g.write(0, ByteBuffer.wrap(random(500_000, 5)));
                commit.writeBackAndWait();
            }
            fs.unlink("/gone");
            fs.sync();
        }
        byte[] expected = Arrays.copyOf(kept, 300_000);
        System.arraycopy(rewritten, 0, expected, 50_000, rewritten.length);
        try (Dusk fs = Dusk.mount(dev, OPTIONS.withReadOnly(true))) {
            assertArrayEquals(expected, fs.readFile("/kept"));
            assertEquals(1, fs.readdir("/").size());
            long used = (300_000 + 4095) / 4096;
            assertTrue(freeBefore - fs.statfs().freeBlocks() < used + 64,
                    "blocks leaked: " + (freeBefore - fs.statfs().freeBlocks()) + " used for " + used + " of data");
        }
        FsckReport report = Dusk.fsck(dev);
        assertTrue(report.isClean(), report.toString());
    }
}
