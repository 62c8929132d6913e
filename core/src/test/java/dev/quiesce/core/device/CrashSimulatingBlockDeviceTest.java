package dev.quiesce.core.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CrashSimulatingBlockDeviceTest {

    private static ByteBuffer filled(int value, int bytes) {
        byte[] data = new byte[bytes];
        java.util.Arrays.fill(data, (byte) value);
        return ByteBuffer.wrap(data);
    }

    private static int firstByte(MemoryBlockDevice image, long block, int offset) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(image.blockSize());
        image.read(block, b);
        return b.get(offset);
    }

    @Test
    void flushedWritesSurviveEveryCrashAndUnflushedOnesMayNot() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 512, 8);
        d.write(0, filled(1, 512));
        d.flush();
        d.write(1, filled(2, 512));
        d.write(2, filled(3, 512));
        assertEquals(1, d.flushCount());
        assertEquals(2, d.volatileWrites());
        MemoryBlockDevice durable = d.durableImage();
        assertEquals(1, firstByte(durable, 0, 0));
        assertEquals(0, firstByte(durable, 1, 0));
        CrashStates now = d.crashStates(CrashPlan.now(1, 0));
        Set<String> images = new HashSet<>();
        for (CrashState state : now) {
            MemoryBlockDevice image = state.image();
            assertEquals(1, firstByte(image, 0, 0), state.describe());
            images.add(firstByte(image, 1, 0) + "/" + firstByte(image, 2, 0));
        }
        assertEquals(4, now.produced(), now.summary());
        assertEquals(Set.of("0/0", "2/0", "0/3", "2/3"), images);
    }

    @Test
    void everyFlushBoundaryIsVisitedAndSharedStatesProducedOnce() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 512, 8);
        d.write(0, filled(1, 512));
        d.flush();
        d.write(0, filled(2, 1024));
        d.flush();
        CrashStates all = d.crashStates(CrashPlan.everyFlush(1, 0));
        int count = 0;
        for (CrashState s : all) {
            count++;
            assertTrue(s.epoch() <= 2);
        }
        // epoch 0: {} (full = epoch 1 empty); epoch 1: 3 of 4 subsets; epoch 2: {} only.
        assertEquals(1 + 3 + 1, count, all.summary());
    }

    @Test
    void largeEpochsAreSampledAndDeduplicated() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 512, 64);
        int n = 20;
        for (int i = 0; i < n; i++) {
            d.write(i, filled(i + 1, 512));
        }
        CrashStates states = d.crashStates(CrashPlan.now(42, 50));
        Set<BitSet> seen = new HashSet<>();
        int small = 0;
        int large = 0;
        for (CrashState s : states) {
            assertTrue(seen.add(s.persisted()), "duplicate " + s.describe());
            int c = s.persisted().cardinality();
            small += c <= 2 ? 1 : 0;
            large += c >= n - 2 ? 1 : 0;
        }
        int pairs = n * (n - 1) / 2;
        assertEquals(1 + n + pairs, small);
        assertEquals(1 + n + pairs, large);
        assertEquals(2 * (1 + n + pairs) + 50, seen.size(), states.summary());
    }

    @Test
    void theSameSeedGivesTheSameStates() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 512, 64);
        for (int i = 0; i < 16; i++) {
            d.write(i, filled(i + 1, 512));
        }
        java.util.List<BitSet> first = new java.util.ArrayList<>();
        d.crashStates(CrashPlan.now(7, 20)).forEach(s -> first.add(s.persisted()));
        java.util.List<BitSet> second = new java.util.ArrayList<>();
        d.crashStates(CrashPlan.now(7, 20)).forEach(s -> second.add(s.persisted()));
        assertEquals(first, second);
    }

    @Test
    void tornModePersistsParts() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 4096, 4);
        d.write(1, filled(9, 4096));
        CrashStates states = d.crashStates(CrashPlan.now(1, 0).torn(512));
        int torn = 0;
        for (CrashState s : states) {
            MemoryBlockDevice image = s.image();
            int set = 0;
            for (int unit = 0; unit < 8; unit++) {
                set += firstByte(image, 1, unit * 512) == 9 ? 1 : 0;
            }
            assertEquals(s.persisted().cardinality(), set, s.describe());
            torn += set > 0 && set < 8 ? 1 : 0;
        }
        assertEquals(256, states.produced());
        assertEquals(254, torn);
    }

    @Test
    void aStateReplaysFromItsDescription() throws Exception {
        CrashSimulatingBlockDevice d = new CrashSimulatingBlockDevice("c", 512, 8);
        d.write(3, filled(5, 1024));
        CrashState last = null;
        for (CrashState s : d.crashStates(CrashPlan.now(1, 0))) {
            last = s;
        }
        assertTrue(last.describe().contains("block 3") && last.describe().contains("block 4"), last.describe());
        MemoryBlockDevice replay = d.crashImage(last.epoch(), last.persisted(), last.tornUnit());
        assertArrayEquals(last.image().toByteArray(), replay.toByteArray());
        assertThrows(IllegalArgumentException.class, () -> d.crashImage(5, new BitSet(), 0));
        assertThrows(IllegalArgumentException.class, () -> d.crashStates(CrashPlan.now(1, 0).torn(100)));
    }

    @Test
    void aCopyStartsFromTheImageAsDurable() throws Exception {
        MemoryBlockDevice base = new MemoryBlockDevice(512, 4);
        base.write(2, filled(7, 512));
        CrashSimulatingBlockDevice d = CrashSimulatingBlockDevice.copyOf("copy", base);
        d.write(2, filled(8, 512));
        assertEquals(7, firstByte(d.durableImage(), 2, 0));
    }
}
