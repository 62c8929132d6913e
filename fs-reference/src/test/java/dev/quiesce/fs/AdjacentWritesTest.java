package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Joined writes keep every device rule: reads see the last write, a flush leaves the device exact. */
class AdjacentWritesTest {
    private static final int BS = 512;

    @Test
    void readsAndFlushesSeeExactlyWhatAPlainDeviceWouldAndAdjacentWritesAreJoined() throws Exception {
        Random r = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            MemoryBlockDevice model = new MemoryBlockDevice("model", BS, 1024);
            MemoryBlockDevice under = new MemoryBlockDevice("under", BS, 1024);
            AtomicInteger writes = new AtomicInteger();
            AtomicInteger flushes = new AtomicInteger();
            ForwardingDevice counted = new ForwardingDevice(under) {
                @Override
                public void write(long block, ByteBuffer src) throws IOException {
                    writes.incrementAndGet();
                    super.write(block, src);
                }

                @Override
                public void flush() throws IOException {
                    flushes.incrementAndGet();
                    super.flush();
                }
            };
            AdjacentWrites dev = new AdjacentWrites(counted);
            long next = r.nextInt(900);
            int calls = 0;
            for (int op = 0; op < 300; op++) {
                int kind = r.nextInt(10);
                if (kind < 6) {
                    // Mostly runs of adjacent writes, sometimes a jump, sometimes a large one.
                    int blocks = r.nextInt(20) == 0 ? 64 + r.nextInt(64) : 1 + r.nextInt(3);
                    long at = r.nextInt(4) == 0 ? r.nextInt(1024 - blocks) : Math.min(next, 1024 - blocks);
                    byte[] data = new byte[blocks * BS];
                    r.nextBytes(data);
                    model.write(at, ByteBuffer.wrap(data));
                    dev.write(at, ByteBuffer.wrap(data));
                    next = at + blocks;
                    calls++;
                } else if (kind < 9) {
                    int blocks = 1 + r.nextInt(8);
                    long at = r.nextInt(1024 - blocks);
                    ByteBuffer want = ByteBuffer.allocate(blocks * BS);
                    ByteBuffer got = ByteBuffer.allocate(blocks * BS);
                    model.read(at, want);
                    dev.read(at, got);
                    assertArrayEquals(want.array(), got.array(), "read of " + blocks + " at " + at);
                } else {
                    dev.flush();
                    assertArrayEquals(model.toByteArray(), under.toByteArray(), "device after a flush");
                }
            }
            dev.flush();
            assertArrayEquals(model.toByteArray(), under.toByteArray(), "device after the last flush");
            assertTrue(writes.get() < calls, writes.get() + " device writes for " + calls + " writes: nothing joined");
        }
    }

    @Test
    void aFailedWriteFailsTheNextFlushInsteadOfVanishing() throws Exception {
        MemoryBlockDevice under = new MemoryBlockDevice("under", BS, 64);
        IOException broken = new IOException("injected write failure");
        AdjacentWrites dev = new AdjacentWrites(new ForwardingDevice(under) {
            @Override
            public void write(long block, ByteBuffer src) throws IOException {
                throw broken;
            }
        });
        dev.write(3, ByteBuffer.allocate(BS));
        dev.write(4, ByteBuffer.allocate(BS));
        IOException e = assertThrows(IOException.class, dev::flush);
        assertEquals(broken, e);
        IOException again = assertThrows(IOException.class, dev::flush);
        assertEquals(broken, again.getCause());
        assertThrows(IOException.class, () -> dev.write(9, ByteBuffer.allocate(BS)));
    }

    /** A write stuck in the device holds up no reader, and readers see the stuck run's data (F5/F6 need this). */
    @Test
    void aStuckDeviceWriteDoesNotHoldUpReaders() throws Exception {
        MemoryBlockDevice under = new MemoryBlockDevice("under", BS, 64);
        dev.quiesce.tck.StallingBlockDevice stalling = new dev.quiesce.tck.StallingBlockDevice(under);
        AdjacentWrites dev = new AdjacentWrites(stalling);
        byte[] data = new byte[BS];
        java.util.Arrays.fill(data, (byte) 5);
        dev.write(5, ByteBuffer.wrap(data));
        dev.quiesce.tck.MutationStall stall = stalling.stallNextWrite();
        java.util.concurrent.CompletableFuture<Void> flushing = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                dev.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (stall) {
            assertTrue(stall.awaitStalled(java.time.Duration.ofSeconds(10)), "the flush never reached the device");
            java.util.concurrent.CompletableFuture<byte[]> reading = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(2 * BS);
                    dev.read(5, b);
                    return b.array();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] got = reading.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertArrayEquals(data, java.util.Arrays.copyOf(got, BS), "the run on its way to the device");
            assertArrayEquals(new byte[BS], java.util.Arrays.copyOfRange(got, BS, 2 * BS), "a block never written");
        }
        flushing.get(10, java.util.concurrent.TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(BS);
        under.read(5, back);
        assertArrayEquals(data, back.array());
    }
}
