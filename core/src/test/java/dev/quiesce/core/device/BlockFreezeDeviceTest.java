package dev.quiesce.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.TargetFrozenException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The kit runs every F rule against this device; these cover what is specific to it. */
class BlockFreezeDeviceTest {

    @Test
    void freezeFlushesAndHoldsWritersUntilTheThaw() throws Exception {
        RecordingBlockDevice recording = new RecordingBlockDevice(new MemoryBlockDevice(512, 8));
        BlockFreezeDevice d = new BlockFreezeDevice(recording);
        d.write(0, ByteBuffer.allocate(512));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FreezeHandle h = d.freeze(FreezeRequest.of("test").withLease(java.time.Duration.ofMinutes(10)))) {
            long frozen = RecordingBlockDevice.mark();
            assertTrue(recording.durableAt(frozen));
            assertEquals(FreezeState.FROZEN, d.state());
            assertTrue(h.blockUsage().isPresent());
            Future<?> writer = pool.submit(() -> {
                d.write(1, ByteBuffer.allocate(512));
                return null;
            });
            assertThrows(TimeoutException.class, () -> writer.get(50, TimeUnit.MILLISECONDS));
            d.read(0, ByteBuffer.allocate(512));
            d.flush();
            assertThrows(TargetFrozenException.class, () -> d.write(2, ByteBuffer.allocate(512)));
            assertThrows(TargetFrozenException.class, d::close);
            recording.assertNoWritesBetween(frozen, RecordingBlockDevice.mark());
            h.thaw();
            writer.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        d.close();
        assertThrows(java.io.IOException.class, () -> d.write(0, ByteBuffer.allocate(512)));
        assertThrows(dev.quiesce.spi.FreezeException.class, () -> d.freeze(FreezeRequest.of("after close")));
        assertEquals(FreezeState.THAWED, d.state());
    }
}
