package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.quiesce.spi.BlockUsage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time page fill against a chunk-by-chunk model of the same rule. */
class DirectChunksTest {

    @Test
    void fillMarksExactlyTheChunksNoSnapshotUsedAndNoWriteHolds() {
        Random r = new Random(11);
        for (int round = 0; round < 300; round++) {
            int chunk = 1 << (9 + r.nextInt(5));
            int usageBlock = 1 << (9 + r.nextInt(6));
            // Origins that end inside a page, and in the middle of a 64-chunk word.
            long originBytes = (long) chunk * (1 + r.nextInt(3 * DirectChunks.PAGE_CHUNKS));
            StoreGeometry g = StoreGeometry.plan(chunk, 1024, originBytes, 512, 1, 2);
            List<CowEngine.Interval> intervals = new java.util.ArrayList<>();
            for (int s = 0, n = 1 + r.nextInt(3); s < n; s++) {
                intervals.add(new CowEngine.Interval(snapshot(r, originBytes, usageBlock), ExceptionTable.empty()));
            }
            int[] held = new int[r.nextInt(20)];
            for (int i = 0; i < held.length; i++) {
                held[i] = r.nextInt((int) Math.max(1, originBytes / chunk));
            }
            for (int first = 0; (long) first * chunk < originBytes; first += DirectChunks.PAGE_CHUNKS) {
                long[] page = new long[1 + DirectChunks.PAGE_CHUNKS / 64];
                DirectChunks.fill(g, intervals, held, first, page);
                assertArrayEquals(model(chunk, originBytes, intervals, held, first), page,
                        "round " + round + ", page at chunk " + first);
            }
        }
    }

    private static SnapshotRecord snapshot(Random r, long originBytes, int usageBlock) {
        SnapshotRecord s = new SnapshotRecord();
        long blocks = (originBytes + usageBlock - 1) / usageBlock;
        long[] words = new long[(int) ((blocks + 63) / 64)];
        int shape = r.nextInt(4);
        for (long b = 0; b < blocks; b++) {
            boolean used = switch (shape) {
                case 0 -> r.nextInt(50) == 0;
                case 1 -> b < blocks / 2;
                case 2 -> (b / 97) % 3 == 0;
                default -> false;
            };
            if (used) {
                words[(int) (b >>> 6)] |= 1L << b;
            }
        }
        s.usage = r.nextInt(8) == 0 ? null : BlockUsage.of(usageBlock, blocks, words);
        if (r.nextInt(6) == 0) {
            s.invalidReason = "store full";
        }
        return s;
    }

    /** Chunk by chunk: direct when every valid snapshot has a bitmap, none used it, and no write holds it. */
    private static long[] model(int chunk, long originBytes, List<CowEngine.Interval> intervals, int[] held,
                                int first) {
        long[] page = new long[1 + DirectChunks.PAGE_CHUNKS / 64];
        for (int i = 0; i < DirectChunks.PAGE_CHUNKS; i++) {
            long c = (long) first + i;
            long offset = c * chunk;
            if (offset >= originBytes) {
                break;
            }
            boolean direct = true;
            for (CowEngine.Interval it : intervals) {
                if (it.snapshot.valid() && it.snapshot.inUse(offset, Math.min(chunk, originBytes - offset))) {
                    direct = false;
                }
            }
            for (int h : held) {
                direct &= h != c;
            }
            if (direct) {
                page[1 + (i >>> 6)] |= 1L << i;
            }
        }
        return page;
    }
}
