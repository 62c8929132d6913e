package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.SnapshotException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The store's own layout, field by field as FORMAT.md gives it, and its checks. */
class StoreFormatTest {
    private static final int CHUNK = 4096;

    @Test
    void superblockFieldsSitWhereFormatMdSays() throws Exception {
        MemoryBlockDevice store = new MemoryBlockDevice("store", 512, 2048);
        try (Fixture f = new Fixture(CHUNK, new MemoryBlockDevice("o", 512, 128), store)) {
            byte[] raw = store.toByteArray();
            ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("QSDMSNAP", new String(raw, 0, 8, StandardCharsets.US_ASCII));
            assertEquals(1, le.getInt(8));
            assertEquals(CHUNK, le.getInt(12));
            assertEquals(2048 * 512 / CHUNK, le.getLong(16));
            assertEquals(128 * 512, le.getLong(24));
            assertEquals(512, le.getInt(32));
            int k = le.getInt(36);
            assertEquals(65536 / CHUNK, k);
            long t = le.getLong(40);
            long d = le.getLong(48);
            assertEquals(le.getLong(16), 1 + 2L * k + t + d, "regions fill the store");
            assertTrue(t * (CHUNK / 8) >= d, "a slot for every data chunk");
            CRC32C crc = new CRC32C();
            crc.update(raw, 0, 72);
            assertEquals((int) crc.getValue(), le.getInt(72));
            assertArrayEquals(new byte[CHUNK - 76], Arrays.copyOfRange(raw, 76, CHUNK));

            f.fill(0, 128, 1);
            f.snap("one");
            f.fill(16, 8, 2);   // origin chunk 2
            f.origin.flush();
            raw = store.toByteArray();
            le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            long slotTable = (1 + 2L * k) * CHUNK;
            assertEquals(1, le.getInt((int) slotTable), "slot 0: epoch of snapshot 'one'");
            assertEquals(2, le.getInt((int) slotTable + 4), "slot 0: origin chunk 2");
            assertEquals(0, le.getLong((int) slotTable + 8), "slot 1 free");
            long data0 = (1 + 2L * k + t) * CHUNK;
            assertArrayEquals(Arrays.copyOfRange(Fixture.pattern(128 * 512, 1), 2 * CHUNK, 3 * CHUNK),
                    Arrays.copyOfRange(raw, (int) data0, (int) data0 + CHUNK),
                    "data chunk 0 holds origin chunk 2 as it was at the cut");

            int copy = catalogCopyWithHighestGeneration(le, k);
            int at = (1 + copy * k) * CHUNK;
            assertEquals("QSDMSCAT", new String(raw, at, 8, StandardCharsets.US_ASCII));
            int payload = le.getInt(at + 16);
            CRC32C pc = new CRC32C();
            pc.update(raw, at + 24, payload);
            assertEquals((int) pc.getValue(), le.getInt(at + 20));
            int p = at + 24;
            assertEquals(2, le.getInt(p), "next epoch");
            assertEquals(1, le.getInt(p + 4), "one snapshot");
            assertEquals(1, le.getInt(p + 8), "its epoch");
            assertEquals(StoreCodec.FLAG_READY, le.getInt(p + 12), "flags: ready");
            int nameAt = p + 8 + 48;
            assertEquals(3, le.getShort(nameAt));
            assertEquals("one", new String(raw, nameAt + 2, 3, StandardCharsets.UTF_8));
            assertEquals(3, le.getShort(nameAt + 5));
            assertEquals("vol", new String(raw, nameAt + 7, 3, StandardCharsets.UTF_8));
        }
    }

    private static int catalogCopyWithHighestGeneration(ByteBuffer le, int k) {
        long g0 = le.getLong((1) * CHUNK + 8);
        long g1 = le.getLong((1 + k) * CHUNK + 8);
        return g0 > g1 ? 0 : 1;
    }

    @Test
    void aTornCatalogCopyIsIgnoredAndTheOtherUsed() throws Exception {
        StoreGeometry g = StoreGeometry.plan(CHUNK, 512, 65536, 512, 1, 2);
        SnapshotRecord s = new SnapshotRecord();
        s.epoch = 3;
        s.name = "n";
        s.sourceId = "src";
        s.ready = true;
        s.createdAt = Instant.ofEpochSecond(1_700_000_000L, 5);
        ByteBuffer b = StoreCodec.encodeCatalog(g, 7, 4, List.of(s));
        StoreCodec.Catalog c = StoreCodec.decodeCatalog("x", 1, b.duplicate());
        assertEquals(7, c.generation());
        assertEquals(4, c.nextEpoch());
        assertEquals("n", c.snapshots().get(0).name);
        assertEquals(s.createdAt, c.snapshots().get(0).createdAt);
        b.put(40, (byte) (b.get(40) ^ 1));
        assertNull(StoreCodec.decodeCatalog("x", 1, b.duplicate()), "a checksum mismatch reads as a torn copy");
    }

    @Test
    void aCorruptSuperblockIsATypedErrorNamingTheChunk() throws Exception {
        MemoryBlockDevice store = new MemoryBlockDevice("store", 512, 2048);
        try (Fixture f = new Fixture(CHUNK, new MemoryBlockDevice("o", 512, 128), store)) {
            f.snap("x");
        }
        byte[] block0 = new byte[512];
        store.read(0, ByteBuffer.wrap(block0));
        block0[20] ^= 0x40;
        store.write(0, ByteBuffer.wrap(block0));
        SnapshotException e = assertThrows(SnapshotException.class, () -> DmsnapProvider.onDevice(store, CHUNK));
        StoreCorruptException cause = (StoreCorruptException) e.getCause();
        assertEquals(0, cause.chunk());
        assertTrue(cause.getMessage().contains("checksum"), cause.getMessage());
    }

    @Test
    void aSlotNamingAnEpochNeverCutIsCorruption() throws Exception {
        MemoryBlockDevice store = new MemoryBlockDevice("store", 512, 2048);
        int k;
        try (Fixture f = new Fixture(CHUNK, new MemoryBlockDevice("o", 512, 128), store)) {
            k = f.provider.engineOf(f.origin).geometry.catalogChunks();
        }
        ByteBuffer slot = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        slot.putInt(0, 9).putInt(4, 1);
        store.write((1 + 2L * k) * (CHUNK / 512), slot);
        SnapshotException e = assertThrows(SnapshotException.class, () -> DmsnapProvider.onDevice(store, CHUNK));
        assertTrue(e.getCause() instanceof StoreCorruptException, String.valueOf(e.getCause()));
        assertTrue(e.getMessage().contains("epoch 9"), e.getMessage());
    }
}
