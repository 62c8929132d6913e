package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExceptionTableTest {

    @Test
    void findsWhatWasPutAcrossFolds() {
        Random r = new Random(1);
        ExceptionTable t = ExceptionTable.empty();
        Map<Integer, Long> model = new HashMap<>();
        for (int i = 0; i < 50_000; i++) {
            int origin = r.nextInt(1 << 30);
            if (model.containsKey(origin)) {
                continue;
            }
            long data = r.nextInt() & 0xFFFF_FFFFL;
            t.put(origin, data);
            model.put(origin, data);
            if (i % 997 == 0) {
                for (Map.Entry<Integer, Long> e : model.entrySet()) {
                    assertEquals(e.getValue(), t.find(e.getKey()));
                }
            }
        }
        assertEquals(model.size(), t.size());
        for (Map.Entry<Integer, Long> e : model.entrySet()) {
            assertEquals(e.getValue(), t.find(e.getKey()));
        }
        int absent = 1 << 30;
        assertEquals(-1, t.find(absent));
        long[] sorted = t.toSortedWords();
        assertEquals(model.size(), sorted.length);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(model.get(StoreCodec.originOf(sorted[i])), StoreCodec.dataChunkOf(sorted[i]));
            assertTrue(i == 0 || StoreCodec.originOf(sorted[i - 1]) < StoreCodec.originOf(sorted[i]));
        }
        List<Long> visited = new ArrayList<>();
        t.forEach(visited::add);
        assertEquals(sorted.length, visited.size());
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(sorted[i], visited.get(i));
        }
    }

    @Test
    void refusesASecondExceptionForOneChunk() {
        ExceptionTable t = ExceptionTable.empty();
        t.put(7, 1);
        assertThrows(IllegalStateException.class, () -> t.put(7, 2));
    }

    @Test
    void keepsTheLargestOriginAndDataChunk() {
        ExceptionTable t = ExceptionTable.empty();
        t.put(Integer.MAX_VALUE - 1, 0xFFFF_FFFEL);
        t.put(0, 0);
        assertEquals(0xFFFF_FFFEL, t.find(Integer.MAX_VALUE - 1));
        assertEquals(0, t.find(0));
        long[] sorted = t.toSortedWords();
        assertEquals(0, StoreCodec.originOf(sorted[0]));
        assertEquals(Integer.MAX_VALUE - 1, StoreCodec.originOf(sorted[1]));
    }

    @Test
    void absorbKeepsTheOlderCopyAndFreesTheOther() {
        ExceptionTable older = ExceptionTable.empty();
        ExceptionTable later = ExceptionTable.empty();
        older.put(1, 10);
        older.put(3, 30);
        later.put(3, 31);
        later.put(5, 50);
        List<Long> freed = new ArrayList<>();
        older.absorb(later, w -> true, freed::add);
        assertEquals(List.of(31L), freed);
        assertEquals(10, older.find(1));
        assertEquals(30, older.find(3));
        assertEquals(50, older.find(5));
        assertEquals(3, older.size());
    }

    @Test
    void buildsFromUnsortedWordsSettlingDuplicates() {
        long[] words = {
            StoreCodec.exception(9, 1), StoreCodec.exception(2, 2), StoreCodec.exception(9, 3),
            StoreCodec.exception(70_000, 4), StoreCodec.exception(1 << 20, 5)
        };
        List<Long> dropped = new ArrayList<>();
        ExceptionTable t = ExceptionTable.fromUnsorted(words, words.length,
                (a, b) -> StoreCodec.dataChunkOf(a) == 3 ? a : b, dropped::add);
        assertEquals(4, t.size());
        assertEquals(3, t.find(9));
        assertEquals(List.of(1L), dropped);
        assertEquals(4, t.find(70_000));
        assertEquals(5, t.find(1 << 20));
        long[] sorted = t.toSortedWords();
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(StoreCodec.originOf(sorted[i - 1]) < StoreCodec.originOf(sorted[i]));
        }
    }

    @Test
    void holdsAtMostEightBytesPerExceptionEvenWhenEveryBitIsNeeded() {
        int n = 1_000_000;
        long[] words = new long[n];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            // Origins over the whole 31-bit range, data chunks over the whole 32-bit range:
            // the widest entries a run can have.
            words[i] = StoreCodec.exception(r.nextInt(Integer.MAX_VALUE), r.nextInt() & 0xFFFF_FFFFL);
        }
        ExceptionTable t = ExceptionTable.fromUnsorted(words, n, (a, b) -> a, d -> { });
        double perException = (double) t.heapBytes() / t.size();
        assertTrue(perException <= 8.0, "bytes per exception " + perException);
        Map<Integer, Long> added = new HashMap<>();
        while (added.size() < 20_000) {
            int origin = r.nextInt(Integer.MAX_VALUE);
            if (t.find(origin) < 0 && !added.containsKey(origin)) {
                long data = r.nextInt() & 0xFFFF_FFFFL;
                t.put(origin, data);
                added.put(origin, data);
            }
        }
        // Inserts wait in small per-run buffers of plain words until their run is packed again.
        perException = (double) t.heapBytes() / t.size();
        assertTrue(perException <= 8.0 + (16 + 8 * 64) / 1024.0, "bytes per exception after inserts " + perException);
        for (Map.Entry<Integer, Long> e : added.entrySet()) {
            assertEquals(e.getValue(), t.find(e.getKey()));
        }
    }

    @Test
    void packsCloseExceptionsInFewerBytes() {
        int n = 1_000_000;
        long[] words = new long[n];
        Random r = new Random(4);
        for (int i = 0; i < n; i++) {
            words[i] = StoreCodec.exception(i * 2L + (r.nextBoolean() ? 1 : 0), i);
        }
        ExceptionTable t = ExceptionTable.fromUnsorted(words, n, (a, b) -> a, d -> { });
        // 1024 entries a run span about 2048 origins (11 bits) and 1024 data chunks (10 bits).
        double perException = (double) t.heapBytes() / t.size();
        assertTrue(perException <= 3.0, "bytes per exception " + perException);
        for (int i = 0; i < n; i += 7) {
            assertEquals(i, t.find(StoreCodec.originOf(words[i])));
        }
    }
}
