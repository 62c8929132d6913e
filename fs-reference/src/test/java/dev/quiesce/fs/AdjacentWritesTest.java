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
}
