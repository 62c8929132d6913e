package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The primitive collections the commit path uses instead of boxed maps. */
class CommitQueuesTest {
    @Test
    void dirtySlotsComeOutInChunkOrderWithTheLaterEntryOfAChunkLast() throws Exception {
        DirtySlots d = new DirtySlots();
        d.put(5, 50);
        d.put(3, 30);
        d.put(0xFFFF_FFF0L, 7);
        d.put(5, 0);
        for (int i = 0; i < 100; i++) {
            d.put(1000 + i, i);
        }
        List<long[]> seen = new ArrayList<>();
        d.drain((chunk, word) -> seen.add(new long[] {chunk, word}));
        assertArrayEquals(new long[] {3, 30}, seen.get(0));
        assertArrayEquals(new long[] {5, 50}, seen.get(1));
        assertArrayEquals(new long[] {5, 0}, seen.get(2), "the later entry for a chunk is applied last");
        assertArrayEquals(new long[] {1000, 0}, seen.get(3));
        assertArrayEquals(new long[] {0xFFFF_FFF0L, 7}, seen.get(seen.size() - 1), "chunks above 2^31 sort last");
        assertEquals(104, seen.size());
        assertTrue(d.isEmpty());
    }

    @Test
    void heldWritesBehaveLikeAMapThroughGrowthReplacementAndClear() {
        HeldWrites h = new HeldWrites(4);
        Map<Integer, ByteBuffer> model = new HashMap<>();
        Random r = new Random(5);
        for (int i = 0; i < 2000; i++) {
            int c = r.nextInt(3000);
            ByteBuffer b = ByteBuffer.allocate(1);
            h.put(c, b);
            model.put(c, b);
        }
        assertEquals(model.size(), h.size());
        for (int c = 0; c < 3000; c++) {
            if (model.containsKey(c)) {
                assertSame(model.get(c), h.get(c), "chunk " + c);
            } else {
                assertNull(h.get(c), "chunk " + c);
            }
        }
        int[] chunks = h.chunks();
        Arrays.sort(chunks);
        assertArrayEquals(model.keySet().stream().mapToInt(Integer::intValue).sorted().toArray(), chunks);
        h.clear();
        assertTrue(h.isEmpty());
        assertNull(h.get(chunks[0]));
        assertEquals(0, h.chunks().length);
    }
}
