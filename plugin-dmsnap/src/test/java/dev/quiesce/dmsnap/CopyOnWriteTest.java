package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ReadOnlyDeviceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyOnWriteTest {
    private static final int CHUNK = 4096;
    private static final int BLOCKS_PER_CHUNK = CHUNK / Fixture.BLOCK;

    @Test
    void snapshotKeepsTheCutWhileTheOriginMovesOn() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 256, 4096)) {
            f.fill(0, 256, 1);
            byte[] atCut = f.originBytes();
            Snapshot s = f.snap("a");
            f.fill(3, 5, 2);
            f.fill(100, 40, 3);
            f.origin.flush();
            assertArrayEquals(atCut, Fixture.contents(s));
            assertFalse(Arrays.equals(atCut, f.originBytes()));
        }
    }

    @Test
    void snapshotViewsAreReadOnly() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 64, 2048)) {
            Snapshot s = f.snap("a");
            try (BlockDevice d = s.open()) {
                assertTrue(d.isReadOnly());
                assertThrows(ReadOnlyDeviceException.class, () -> d.write(0, ByteBuffer.allocate(Fixture.BLOCK)));
            }
        }
    }

    @Test
    void firstWriteCopiesOnceAndRewritesCostNothingMore() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 256, 4096)) {
            f.fill(0, 256, 1);
            f.snap("a");
            f.origin.flush();
            f.store.reset();
            f.real.reset();
            f.fill(8, 1, 2);
            assertEquals(1, f.dataChunksUsed());
            assertEquals(0, f.real.writes.get(), "the origin write waits for its exception");
            f.origin.flush();
            assertEquals(2, f.store.writes.get(), "the copy and its slot chunk");
            assertEquals(1, f.real.reads.get(), "the old chunk is read once");
            assertEquals(1, f.real.writes.get());
            long storeWrites = f.store.writes.get();
            f.real.reset();
            f.store.reset();
            for (int i = 0; i < 10; i++) {
                f.fill(8 + i % BLOCKS_PER_CHUNK, 1, 3 + i);
            }
            f.origin.flush();
            assertEquals(0, f.store.writes.get(), "rewrites of a copied chunk touch the store not at all");
            assertEquals(0, f.real.reads.get());
            assertTrue(storeWrites >= 2, "slot and copy were written");
        }
    }

    @Test
    void aChunkNeededByEightSnapshotsIsCopiedOnce() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 256, 4096)) {
            f.fill(0, 256, 1);
            byte[] atCut = f.originBytes();
            List<Snapshot> snaps = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                snaps.add(f.snap("s" + i));
            }
            f.fill(16, BLOCKS_PER_CHUNK, 9);
            f.origin.flush();
            assertEquals(1, f.dataChunksUsed());
            for (Snapshot s : snaps) {
                assertArrayEquals(atCut, Fixture.contents(s));
            }
        }
    }

    @Test
    void chunksFreeAtTheCutAreNeverCopiedAndReadAsZeros() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 256, 4096)) {
            f.fill(0, 256, 1);
            byte[] atCut = f.originBytes();
            long[] words = new long[4];
            words[0] = 0xFFFFL;          // blocks 0..15 (chunks 0 and 1) in use
            words[1] = 1L << 3;          // block 67 in use, the rest of chunk 8 free
            BlockUsage usage = BlockUsage.of(Fixture.BLOCK, 256, words);
            Snapshot s = f.snap("a", usage);
            long bitmapChunks = f.dataChunksUsed();
            f.fill(32, 16, 2);           // chunks 4 and 5: free at the cut
            f.origin.flush();
            assertEquals(bitmapChunks, f.dataChunksUsed(), "no copy for free chunks");
            f.fill(64, 8, 3);            // chunk 8: block 67 in use
            f.fill(0, 1, 4);             // chunk 0: in use
            f.origin.flush();
            assertEquals(bitmapChunks + 2, f.dataChunksUsed());
            byte[] expected = new byte[atCut.length];
            for (int b = 0; b < 256; b++) {
                if (usage.inUse(b)) {
                    System.arraycopy(atCut, b * Fixture.BLOCK, expected, b * Fixture.BLOCK, Fixture.BLOCK);
                }
            }
            assertArrayEquals(expected, Fixture.contents(s));
            assertEquals(usage, s.blockUsage().orElseThrow());
            f.reopen();
            Snapshot again = f.provider.find("a").orElseThrow();
            assertEquals(usage, again.blockUsage().orElseThrow());
            assertArrayEquals(expected, Fixture.contents(again));
        }
    }

    @Test
    void aBitmapHandedOverAtTheCutIsHonouredAndKept() throws Exception {
        // The coordinator learns the bitmap from the freeze, after prepare: cut(usage).
        try (Fixture f = new Fixture(CHUNK, 256, 4096)) {
            f.fill(0, 256, 1);
            byte[] atCut = f.originBytes();
            long[] words = new long[4];
            words[0] = 0xFFFFL;          // blocks 0..15 (chunks 0 and 1) in use
            BlockUsage usage = BlockUsage.of(Fixture.BLOCK, 256, words);
            long before = f.dataChunksUsed();
            PendingSnapshot pending = f.provider.prepare(SnapshotRequest.of("a", f.origin.source("vol")));
            pending.cut(usage);
            f.fill(32, 16, 2);           // chunks 4 and 5: free at the cut
            f.origin.flush();
            assertEquals(before, f.dataChunksUsed(), "no copy for chunks free at the cut");
            f.fill(0, 1, 3);             // chunk 0: in use
            Snapshot s = pending.complete();
            byte[] expected = new byte[atCut.length];
            System.arraycopy(atCut, 0, expected, 0, 16 * Fixture.BLOCK);
            assertArrayEquals(expected, Fixture.contents(s));
            assertEquals(usage, s.blockUsage().orElseThrow());
            f.reopen();
            Snapshot again = f.provider.find("a").orElseThrow();
            assertEquals(usage, again.blockUsage().orElseThrow(), "the bitmap was made durable at complete");
            assertArrayEquals(expected, Fixture.contents(again));
        }
    }

    @Test
    void overflowInvalidatesOnlyTheSnapshotThatNeededTheCopy() throws Exception {
        // A store with room for 4 data chunks: 1 superblock + 2 x 16 catalog + 1 slot chunk + 4 data.
        try (Fixture f = new Fixture(CHUNK, 256, (1 + 32 + 1 + 4) * BLOCKS_PER_CHUNK)) {
            f.fill(0, 256, 1);
            byte[] atFirst = f.originBytes();
            long[] words = new long[4];
            words[3] = -1L;              // blocks 192..255 in use: chunks 24..31
            Snapshot partial = f.snap("partial", BlockUsage.of(Fixture.BLOCK, 256, words));
            long used = f.dataChunksUsed();
            Snapshot full = f.snap("full");
            for (int c = 0; c < 8; c++) {
                f.fill((long) c * BLOCKS_PER_CHUNK, 1, 10 + c);
            }
            f.origin.flush();
            assertFalse(full.isValid());
            assertTrue(partial.isValid(), "the snapshot that needed none of those chunks is untouched");
            InvalidSnapshotException e = assertThrows(InvalidSnapshotException.class, () -> Fixture.contents(full));
            assertEquals("full", e.snapshot());
            assertTrue(e.getMessage().contains("full"), e.getMessage());
            byte[] expected = new byte[atFirst.length];
            System.arraycopy(atFirst, 192 * Fixture.BLOCK, expected, 192 * Fixture.BLOCK, 64 * Fixture.BLOCK);
            assertArrayEquals(expected, Fixture.contents(partial));
            f.fill(0, 8, 99);
            f.origin.flush();
            assertArrayEquals(Fixture.pattern(8 * Fixture.BLOCK, 99),
                    Arrays.copyOf(f.originBytes(), 8 * Fixture.BLOCK), "origin writes go on");
            f.reopen();
            assertFalse(f.provider.find("full").orElseThrow().isValid(), "invalid survives a restart");
            assertThrows(InvalidSnapshotException.class, () -> Fixture.contents(f.provider.find("full").orElseThrow()));
            f.provider.delete("full");
            assertEquals(used, f.dataChunksUsed());
        }
    }

    @Test
    void deleteFreesSpaceAndLeavesTheOthersExact() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 256, 8192)) {
            f.fill(0, 256, 1);
            byte[] c1 = f.originBytes();
            Snapshot s1 = f.snap("s1");
            f.fill(0, 64, 2);
            byte[] c2 = f.originBytes();
            Snapshot s2 = f.snap("s2");
            f.fill(32, 64, 3);
            byte[] c3 = f.originBytes();
            Snapshot s3 = f.snap("s3");
            f.fill(0, 256, 4);
            f.origin.flush();
            long before = f.dataChunksUsed();
            f.provider.delete("s2");
            assertTrue(f.dataChunksUsed() < before, "deleting frees the copies only s2 needed");
            assertArrayEquals(c1, Fixture.contents(s1));
            assertArrayEquals(c3, Fixture.contents(s3));
            assertThrows(InvalidSnapshotException.class, () -> Fixture.contents(s2));
            assertEquals(List.of("s1", "s3"), f.provider.list().stream().map(Snapshot::name).toList());
            f.reopen();
            assertArrayEquals(c1, Fixture.contents(f.provider.find("s1").orElseThrow()));
            assertArrayEquals(c3, Fixture.contents(f.provider.find("s3").orElseThrow()));
            f.provider.delete("s1");
            f.provider.delete("s3");
            assertEquals(0, f.dataChunksUsed());
            assertTrue(c2.length > 0);
        }
    }

    @Test
    void commitsAreGroupedAndNeverOnePerException() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 2048, 8192)) {
            f.snap("a");
            f.origin.flush();
            f.store.reset();
            for (int c = 0; c < 200; c++) {
                f.fill((long) c * BLOCKS_PER_CHUNK, 1, c);
            }
            f.origin.flush();
            assertEquals(200, f.dataChunksUsed());
            assertTrue(f.store.flushes.get() <= 2 * 4, "200 exceptions committed with " + f.store.flushes.get()
                    + " flushes");
        }
    }

    @Test
    void shortLastChunkIsCopiedToo() throws Exception {
        try (Fixture f = new Fixture(CHUNK, 21, 4096)) {
            f.fill(0, 21, 1);
            byte[] atCut = f.originBytes();
            Snapshot s = f.snap("a");
            f.fill(16, 5, 2);
            f.origin.flush();
            assertArrayEquals(atCut, Fixture.contents(s));
            f.reopen();
            assertArrayEquals(atCut, Fixture.contents(f.provider.find("a").orElseThrow()));
        }
    }
}
