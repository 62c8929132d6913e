package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The export checked byte by byte against the kernel's documented persistent store
 * layout (FORMAT.md): header fields at their offsets, areas at 1 + (E + 1) * i, entries
 * as little-endian (old, new) pairs, data after each area, the zero terminator. A reader
 * written here from the layout alone then rebuilds the snapshot from origin + export.
 */
class KernelExportTest {
    private static final int CHUNK = 512;
    private static final int PER_AREA = CHUNK / 16;

    @ParameterizedTest(name = "{0} exceptions")
    @ValueSource(ints = {0, 5, PER_AREA, PER_AREA + 8})
    void exportMatchesTheKernelLayout(int changed) throws Exception {
        try (Fixture f = new Fixture(CHUNK, 64, 1024)) {
            f.fill(0, 64, 1);
            byte[] atCut = f.originBytes();
            Snapshot s = f.snap("k");
            f.snap("later");
            for (int c = 0; c < changed; c++) {
                f.fill(63 - c, 1, 100 + c);
            }
            f.origin.flush();
            MemoryBlockDevice cow = new MemoryBlockDevice("cow", 512, 200);
            assertEquals(changed, f.provider.exportKernelStore("k", cow));
            byte[] raw = cow.toByteArray();

            assertArrayEquals(new byte[] {0x53, 0x6E, 0x41, 0x70}, Arrays.copyOfRange(raw, 0, 4), "magic SnAp");
            assertArrayEquals(new byte[] {1, 0, 0, 0}, Arrays.copyOfRange(raw, 4, 8), "valid");
            assertArrayEquals(new byte[] {1, 0, 0, 0}, Arrays.copyOfRange(raw, 8, 12), "version");
            assertArrayEquals(new byte[] {1, 0, 0, 0}, Arrays.copyOfRange(raw, 12, 16), "chunk size in sectors");
            assertArrayEquals(new byte[CHUNK - 16], Arrays.copyOfRange(raw, 16, CHUNK), "rest of the header");

            ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            int entries = 0;
            long expectedOld = 63 - changed + 1;
            for (int area = 0; ; area++) {
                long areaChunk = 1 + (long) (PER_AREA + 1) * area;
                boolean ended = false;
                for (int i = 0; i < PER_AREA; i++) {
                    int at = (int) (areaChunk * CHUNK + i * 16);
                    long oldChunk = le.getLong(at);
                    long newChunk = le.getLong(at + 8);
                    if (newChunk == 0) {
                        assertEquals(0, oldChunk, "a terminator entry is all zeros");
                        ended = true;
                        break;
                    }
                    assertEquals(expectedOld++, oldChunk, "entries in origin order");
                    assertEquals(areaChunk + 1 + i, newChunk, "data follows its area in order");
                    assertArrayEquals(Arrays.copyOfRange(atCut, (int) oldChunk * CHUNK, (int) (oldChunk + 1) * CHUNK),
                            Arrays.copyOfRange(raw, (int) newChunk * CHUNK, (int) (newChunk + 1) * CHUNK),
                            "data of origin chunk " + oldChunk);
                    entries++;
                }
                if (ended) {
                    break;
                }
            }
            assertEquals(changed, entries);
            assertArrayEquals(atCut, kernelView(raw, f.originBytes()), "origin + export reads as the snapshot");
            assertArrayEquals(atCut, Fixture.contents(s));
        }
    }

    @Test
    void refusesATargetTooSmallNamingIt() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 64, 1024)) {
            f.fill(0, 64, 1);
            f.snap("k");
            f.fill(0, 40, 2);
            MemoryBlockDevice tiny = new MemoryBlockDevice("tiny", 512, 8);
            SnapshotException e = assertThrows(SnapshotException.class, () -> f.provider.exportKernelStore("k", tiny));
            assertEquals(true, e.getMessage().contains("tiny"), e.getMessage());
        }
    }

    /** The kernel's read path, from the documented layout: exceptions from the COW store, else the origin. */
    private static byte[] kernelView(byte[] cow, byte[] origin) {
        ByteBuffer le = ByteBuffer.wrap(cow).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x70416e53, le.getInt(0));
        int chunk = le.getInt(12) * 512;
        int perArea = chunk / 16;
        Map<Long, Long> exceptions = new HashMap<>();
        outer:
        for (long area = 0; ; area++) {
            long areaChunk = 1 + (perArea + 1L) * area;
            for (int i = 0; i < perArea; i++) {
                int at = (int) (areaChunk * chunk + i * 16L);
                long newChunk = le.getLong(at + 8);
                if (newChunk == 0) {
                    break outer;
                }
                exceptions.put(le.getLong(at), newChunk);
            }
        }
        byte[] view = origin.clone();
        exceptions.forEach((o, n) -> System.arraycopy(cow, (int) (n * chunk), view, (int) (o * chunk), chunk));
        return view;
    }
}
