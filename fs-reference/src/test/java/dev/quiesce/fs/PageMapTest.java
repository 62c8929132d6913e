package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.quiesce.fs.BufferFork.Page;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The chunked page map behaves exactly like a sorted map of pages, in every operation the cache uses. */
class PageMapTest {
    private static final ByteBuffer SLAB = ByteBuffer.allocate(1);

    @Test
    void randomOperationsMatchASortedMap() throws Exception {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            PageMap map = new PageMap();
            TreeMap<Long, Page> model = new TreeMap<>();
            long span = trial % 2 == 0 ? 300 : 5_000;
            for (int op = 0; op < 400; op++) {
                long index = Math.floorMod(r.nextLong(), span);
                switch (r.nextInt(10)) {
                    case 0 -> {
                        map.removeFrom(index);
                        model.tailMap(index, true).clear();
                    }
                    case 1 -> {
                        long cut = r.nextInt(50);
                        map.removeIf(p -> p.delta < cut);
                        model.values().removeIf(p -> p.delta < cut);
                    }
                    case 2 -> {
                        long to = index + r.nextInt(200);
                        assertEquals(model.subMap(index, to).size(), map.count(index, to), "count " + index + ".." + to);
                    }
                    case 3 -> assertSame(model.get(index), map.get(index), "get " + index);
                    default -> {
                        // Mostly sequential runs, as writes are.
                        long at = index;
                        for (int k = r.nextInt(130); k >= 0; k--, at++) {
                            Page p = new Page(SLAB, 0, r.nextInt(50));
                            assertSame(model.put(at, p), map.put(at, p), "put " + at);
                        }
                    }
                }
                assertEquals(model.size(), map.size());
                assertEquals(model.isEmpty(), map.isEmpty());
            }
            List<Object[]> seen = new ArrayList<>();
            map.forEach((i, p) -> seen.add(new Object[] {i, p}));
            assertEquals(model.size(), seen.size());
            int k = 0;
            for (Map.Entry<Long, Page> e : model.entrySet()) {
                assertEquals(e.getKey(), seen.get(k)[0]);
                assertSame(e.getValue(), seen.get(k)[1]);
                k++;
            }
            assertEquals(model.values().stream().anyMatch(p -> p.delta == 3), map.any(p -> p.delta == 3));
        }
    }

    @Test
    void runsAreMaximalStretchesOfConsecutiveIndexesCutAtTheLimit() throws Exception {
        PageMap map = new PageMap();
        for (long i : new long[] {0, 1, 2, 3, 4, 10, 63, 64, 65, 200}) {
            map.put(i, new Page(SLAB, 0, 1));
        }
        List<String> runs = new ArrayList<>();
        map.forEachRun(3, (start, run, n) -> runs.add(start + "+" + n));
        assertEquals(List.of("0+3", "3+2", "10+1", "63+3", "200+1"), runs);
    }
}
