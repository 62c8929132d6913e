package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.ConsistentSnapshot;
import dev.quiesce.core.SnapshotResult;
import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The pieces together: the core's coordinator freezing the core's block-level freeze
 * while the honest copy-on-write provider cuts, under a writer that never stops. Every
 * snapshot must be a prefix of the writer's history: the writer puts sequence number
 * {@code n} into block {@code n % BLOCKS}, so a consistent image holds, for some
 * {@code k}, exactly the latest {@code n <= k} in every block.
 */
class ConsistentSnapshotUnderLoadTest {
    private static final int BLOCKS = 32;

    @Test
    void everySnapshotTakenUnderLoadIsAPrefixOfTheWrites() throws Exception {
        MemoryCowProvider provider = new MemoryCowProvider(MemoryCowProvider.Flaw.NONE);
        SnapshotSource source = provider.newSource("loaded", new MemoryBlockDevice("loaded", 512, BLOCKS));
        BlockFreezeDevice frozenGate = new BlockFreezeDevice(source.device());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> writer = pool.submit(() -> {
                ByteBuffer block = ByteBuffer.allocate(512);
                for (long n = 1; !stop.get(); n++) {
                    block.clear();
                    block.putLong(0, n);
                    frozenGate.write(n % BLOCKS, block);
                    written.set(n);
                }
                return null;
            });
            for (int round = 0; round < 20; round++) {
                long before = written.get();
                while (written.get() < before + BLOCKS) {
                    Thread.sleep(1);
                }
                SnapshotResult r = ConsistentSnapshot.of(frozenGate, provider,
                        SnapshotRequest.of("load-" + round, source)).take();
                assertTrue(r.snapshot().isReady());
                assertEquals(FreezeState.THAWED, frozenGate.state());
                assertPrefix(r.snapshot().open(), "load-" + round);
            }
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    private static void assertPrefix(BlockDevice view, String name) throws Exception {
        long[] values = new long[BLOCKS];
        long k = 0;
        for (int b = 0; b < BLOCKS; b++) {
            ByteBuffer block = ByteBuffer.allocate(512);
            view.read(b, block);
            values[b] = block.getLong(0);
            k = Math.max(k, values[b]);
        }
        for (int b = 0; b < BLOCKS; b++) {
            long latest = k - Math.floorMod(k - b, BLOCKS);
            assertEquals(Math.max(latest, 0), values[b], name + ": block " + b + " is not the image of a moment "
                    + "(the newest write in the snapshot is " + k + ")");
        }
    }
}
