package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import java.io.IOException;
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

    /**
     * A large write gets device flushes while it is still being written (the background
     * flush), so its fsync does not wait for the device to take all of it at once; the
     * data is still committed only by the fsync.
     */
    @Test
    void aLargeWriteIsFlushedInTheBackgroundBeforeItsFsync() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("bg", 4096, 8192);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        byte[] content = random(8 << 20, 5);
        DuskOptions options = OPTIONS.withDirtyLimitBytes(1 << 20);
        try (Dusk fs = Dusk.mount(device, options); DuskFile f = fs.create("/big")) {
            long from = RecordingBlockDevice.mark();
            for (int at = 0; at < content.length; at += 256 << 10) {
                f.write(at, ByteBuffer.wrap(content, at, 256 << 10));
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (device.flushesBetween(from, RecordingBlockDevice.mark()).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            List<RecordingBlockDevice.Event> flushes = device.flushesBetween(from, RecordingBlockDevice.mark());
            assertTrue(!flushes.isEmpty(), "no flush while 8 MiB was written with a 1 MiB dirty limit");
            // Nothing but data and log blocks before the fsync: the flushes committed nothing.
            assertTrue(device.writesBetween(from, RecordingBlockDevice.mark()).stream().noneMatch(w -> w.block() < 2),
                    "a superblock was written before the fsync");
            f.fsync();
        }
        try (Dusk fs = Dusk.mount(memory, OPTIONS.withReadOnly(true))) {
            assertArrayEquals(content, fs.readFile("/big"));
        }
        assertTrue(Dusk.fsck(memory).isClean(), Dusk.fsck(memory).toString());
    }

    /** A background flush that fails is not forgotten: the next durable commit fails with it as the cause. */
    @Test
    void aFailedBackgroundFlushFailsTheNextCommit() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("bgfail", 4096, 8192);
        Dusk.format(memory);
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        IOException injected = new IOException("injected flush failure");
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        dev.quiesce.spi.BlockDevice device = new ForwardingDevice(memory) {
            @Override
            public void flush() throws IOException {
                if (armed.compareAndSet(true, false)) {
                    failed.incrementAndGet();
                    throw injected;
                }
                super.flush();
            }
        };
        Dusk fs = Dusk.mount(device, OPTIONS.withDirtyLimitBytes(1 << 20));
        try (DuskFile f = fs.create("/big")) {
            f.fsync();
            armed.set(true);
            byte[] chunk = random(256 << 10, 6);
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (int at = 0; failed.get() == 0 && System.nanoTime() < deadline; at += chunk.length) {
                f.write(at % (8 << 20), ByteBuffer.wrap(chunk));
            }
            assertEquals(1, failed.get(), "the background flush never ran");
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, f::fsync);
            Throwable c = e;
            while (c != null && c != injected) {
                c = c.getCause();
            }
            assertSame(injected, c, "the injected failure is not in the cause chain of " + e);
        } catch (IOException closeFailure) {
            // Closing a file of a failed filesystem may report the failure again.
        }
        try {
            fs.close();
        } catch (IOException expected) {
            // The committer failed: unmount reports it.
        }
        assertTrue(Dusk.fsck(memory).isClean(), Dusk.fsck(memory).toString());
    }
}
