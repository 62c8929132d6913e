package dev.quiesce.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RecordingBlockDeviceTest {

    @Test
    void writesBetweenMarksAreFoundAndOthersAreNot() throws Exception {
        RecordingBlockDevice d = new RecordingBlockDevice(new MemoryBlockDevice(512, 8));
        d.write(1, ByteBuffer.allocate(512));
        long a = RecordingBlockDevice.mark();
        long b = RecordingBlockDevice.mark();
        d.write(2, ByteBuffer.allocate(1024));
        long c = RecordingBlockDevice.mark();
        d.assertNoWritesBetween(a, b);
        assertEquals(1, d.writesBetween(b, c).size());
        assertEquals(2, d.writesBetween(b, c).get(0).blocks());
        AssertionError e = assertThrows(AssertionError.class, () -> d.assertNoWritesBetween(b, c));
        assertTrue(e.getMessage().contains("blocks 2..3"), e.getMessage());
        assertEquals(2, d.events().size());
        assertEquals(Thread.currentThread().getName(), d.events().get(0).thread());
    }

    @Test
    void durabilityNeedsAFlushAfterTheLastWrite() throws Exception {
        RecordingBlockDevice d = new RecordingBlockDevice(new MemoryBlockDevice(512, 8));
        assertTrue(d.durableAt(RecordingBlockDevice.mark()), "nothing written is durable");
        d.write(1, ByteBuffer.allocate(512));
        assertFalse(d.durableAt(RecordingBlockDevice.mark()));
        d.flush();
        long m = RecordingBlockDevice.mark();
        assertTrue(d.durableAt(m));
        assertTrue(d.lastFlushBefore(m).isPresent());
        assertEquals(1, d.flushesBetween(0, m).size());
    }

    @Test
    void aWriteInFlightAtAMarkCountsAsBetweenAndNotDurable() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecordingBlockDevice d = new RecordingBlockDevice(new BlockingDevice(new MemoryBlockDevice(512, 8), inside, release));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> w = pool.submit(() -> {
                d.write(0, ByteBuffer.allocate(512));
                return null;
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            long a = RecordingBlockDevice.mark();
            assertFalse(d.durableAt(a));
            long b = RecordingBlockDevice.mark();
            assertEquals(1, d.writesBetween(a, b).size(), "an unfinished write is between any later marks");
            release.countDown();
            w.get(10, TimeUnit.SECONDS);
            assertEquals(1, d.writesBetween(a, b).size());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Blocks inside write until released. */
    private static final class BlockingDevice implements BlockDevice {
        private final BlockDevice inner;
        private final CountDownLatch inside;
        private final CountDownLatch release;

        BlockingDevice(BlockDevice inner, CountDownLatch inside, CountDownLatch release) {
            this.inner = inner;
            this.inside = inside;
            this.release = release;
        }

        @Override public int blockSize() { return inner.blockSize(); }
        @Override public long blockCount() { return inner.blockCount(); }
        @Override public void read(long block, ByteBuffer dst) throws IOException { inner.read(block, dst); }
        @Override public void flush() throws IOException { inner.flush(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public void close() throws IOException { inner.close(); }

        @Override
        public void write(long block, ByteBuffer src) throws IOException {
            inside.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inner.write(block, src);
        }
    }
}
