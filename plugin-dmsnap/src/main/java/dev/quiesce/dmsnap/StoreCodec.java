package dev.quiesce.dmsnap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Every byte layout of the plugin, and every bit packed anywhere in it: the store's
 * superblock, catalog and slot table, the in-memory exception word, and the Linux
 * kernel's persistent exception store written by an export. FORMAT.md beside this file
 * says the same, with the reasons.
 *
 * <p>All integers are little-endian; "chunk" means a chunk of {@code chunkBytes}; a
 * store is a sequence of chunks:
 * <pre>
 * chunk 0                       superblock
 * chunks 1 .. K                 catalog copy 0
 * chunks K+1 .. 2K              catalog copy 1
 * chunks 2K+1 .. 2K+T           slot table (8 bytes per data chunk)
 * chunks 2K+T+1 .. 2K+T+D       data chunks (copied origin chunks, usage bitmaps)
 * </pre>
 *
 * <p><b>Superblock</b> (chunk 0, written once when the store is made):
 * <pre>
 * off  size  field
 *   0     8  magic "QSDMSNAP"
 *   8     4  version = 1
 *  12     4  chunkBytes (power of two, 512 .. 1 MiB)
 *  16     8  storeChunks: chunks in the store
 *  24     8  originBytes: size of the origin the store belongs to
 *  32     4  originBlockSize
 *  36     4  K: chunks per catalog copy
 *  40     8  T: slot table chunks
 *  48     8  D: data chunks
 *  56    16  store id (two le64, random)
 *  72     4  CRC32C of bytes 0..71
 *  76     -  zeros to the end of the chunk
 * </pre>
 *
 * <p><b>Catalog copy</b> (K chunks; the two copies are written alternately, the valid one
 * with the higher generation is current, so a torn catalog write leaves the other):
 * <pre>
 *   0     8  magic "QSDMSCAT"
 *   8     8  generation (1, 2, ...)
 *  16     4  payload length P
 *  20     4  CRC32C of the payload
 *  24     P  payload:
 *            le32 nextEpoch   (every epoch on disk is below it)
 *            le32 snapshotCount
 *            per snapshot, in cut order:
 *              le32 epoch, le32 flags (1 ready, 2 invalid, 4 merging),
 *              le64 createdAt seconds, le32 createdAt nanos,
 *              le64 bitmap first data chunk, le32 bitmap chunks (0: no usage bitmap),
 *              le32 bitmap CRC32C, le32 usage block size, le64 usage block count,
 *              le16 + UTF-8 name, le16 + UTF-8 source id, le16 + UTF-8 invalid reason
 * </pre>
 *
 * <p><b>Slot</b> (slot table entry {@code i}, at byte {@code 8*i} of the table, for data
 * chunk {@code i}): {@code le32 epoch} (0: the chunk holds no exception) and
 * {@code le32 origin chunk}. A slot with epoch {@code E} holds the origin chunk as it was
 * before its first write after the cut of epoch {@code E}.
 *
 * <p><b>Usage bitmap</b>: the {@link dev.quiesce.spi.BlockUsage} words, le64 each, in a run
 * of data chunks, zero-padded.
 *
 * <p><b>Exception word</b> (heap only): {@code origin chunk << 32 | data chunk}, origin
 * chunk below 2^31 so that signed order is origin order; {@code -1} is never a valid word.
 *
 * <p><b>Kernel persistent exception store</b> (export): chunk 0 holds
 * {@code le32 magic 0x70416e53 ("SnAp"), le32 valid = 1, le32 version = 1,
 * le32 chunk size in 512-byte sectors}; metadata area {@code i} is chunk
 * {@code 1 + (E + 1) * i} with {@code E = chunkBytes / 16} entries of
 * {@code le64 old_chunk, le64 new_chunk}, followed by its E data chunks; the list ends at
 * the first entry whose new_chunk is 0.
 */
final class StoreCodec {
    static final int VERSION = 1;
    static final int SUPERBLOCK_BYTES = 76;
    static final int SLOT_BYTES = 8;
    static final int CATALOG_HEADER_BYTES = 24;
    static final int FLAG_READY = 1;
    static final int FLAG_INVALID = 2;
    static final int FLAG_MERGING = 4;
    static final long NO_EXCEPTION = -1L;
    static final int KERNEL_MAGIC = 0x70416e53;
    static final int KERNEL_ENTRY_BYTES = 16;
    private static final byte[] SUPER_MAGIC = "QSDMSNAP".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CATALOG_MAGIC = "QSDMSCAT".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_STRING_BYTES = 0xFFFF;

    private StoreCodec() {
    }

    // ---- exception word ----

    static long exception(long originChunk, long dataChunk) {
        return (originChunk << 32) | (dataChunk & 0xFFFF_FFFFL);
    }

    static int originOf(long exception) {
        return (int) (exception >>> 32);
    }

    static long dataChunkOf(long exception) {
        return exception & 0xFFFF_FFFFL;
    }

    // ---- superblock ----

    static ByteBuffer encodeSuperblock(StoreGeometry g) {
        ByteBuffer b = le(g.chunkBytes());
        b.put(SUPER_MAGIC).putInt(VERSION).putInt(g.chunkBytes()).putLong(g.storeChunks())
                .putLong(g.originBytes()).putInt(g.originBlockSize()).putInt(g.catalogChunks())
                .putLong(g.slotChunks()).putLong(g.dataChunks()).putLong(g.idHigh()).putLong(g.idLow());
        b.putInt(crc(b.array(), 0, SUPERBLOCK_BYTES - 4));
        return b.clear();
    }

    /** Decodes chunk 0 (at least its first {@value #SUPERBLOCK_BYTES} bytes). */
    static StoreGeometry decodeSuperblock(String store, ByteBuffer chunk0) throws StoreCorruptException {
        ByteBuffer b = chunk0.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] head = new byte[SUPERBLOCK_BYTES];
        b.get(head);
        if (!prefixEquals(head, SUPER_MAGIC)) {
            throw new StoreCorruptException(store, 0, 0, "no dmsnap superblock (magic QSDMSNAP missing)");
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(SUPERBLOCK_BYTES - 4) != crc(head, 0, SUPERBLOCK_BYTES - 4)) {
            throw new StoreCorruptException(store, 0, SUPERBLOCK_BYTES - 4, "superblock checksum mismatch");
        }
        h.position(8);
        int version = h.getInt();
        if (version != VERSION) {
            throw new StoreCorruptException(store, 0, 8, "unsupported version " + version);
        }
        int chunkBytes = h.getInt();
        long storeChunks = h.getLong();
        long originBytes = h.getLong();
        int originBlockSize = h.getInt();
        int catalogChunks = h.getInt();
        long slotChunks = h.getLong();
        long dataChunks = h.getLong();
        StoreGeometry g = new StoreGeometry(chunkBytes, storeChunks, originBytes, originBlockSize,
                catalogChunks, slotChunks, dataChunks, h.getLong(), h.getLong());
        String problem = g.problem();
        if (problem != null) {
            throw new StoreCorruptException(store, 0, 12, "inconsistent superblock: " + problem);
        }
        return g;
    }

    // ---- catalog ----

    /** The whole catalog copy, {@code catalogChunks} chunks long, or null if it does not fit. */
    static ByteBuffer encodeCatalog(StoreGeometry g, long generation, int nextEpoch, List<SnapshotRecord> snapshots) {
        int capacity = g.catalogChunks() * g.chunkBytes();
        ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        try {
            b.position(CATALOG_HEADER_BYTES);
            b.putInt(nextEpoch).putInt(snapshots.size());
            for (SnapshotRecord s : snapshots) {
                b.putInt(s.epoch).putInt(s.flags()).putLong(s.createdAt.getEpochSecond())
                        .putInt(s.createdAt.getNano()).putLong(s.bitmapFirst).putInt(s.bitmapChunks)
                        .putInt(s.bitmapCrc).putInt(s.usageBlockSize).putLong(s.usageBlockCount);
                putString(b, s.name);
                putString(b, s.sourceId);
                putString(b, s.invalidReason == null ? "" : s.invalidReason);
            }
        } catch (java.nio.BufferOverflowException | IllegalArgumentException e) {
            return null;
        }
        int payload = b.position() - CATALOG_HEADER_BYTES;
        b.position(0);
        b.put(CATALOG_MAGIC).putLong(generation).putInt(payload)
                .putInt(crc(b.array(), CATALOG_HEADER_BYTES, payload));
        return b.clear();
    }

    /** Bytes a catalog of these snapshots needs, to refuse one that would not fit before anything changes. */
    static int catalogBytes(List<SnapshotRecord> snapshots) {
        int n = CATALOG_HEADER_BYTES + 8;
        for (SnapshotRecord s : snapshots) {
            n += 48 + 6 + utf8(s.name).length + utf8(s.sourceId).length
                    + utf8(s.invalidReason == null ? "" : s.invalidReason).length;
        }
        return n;
    }

    /** A decoded catalog copy. */
    record Catalog(long generation, int nextEpoch, List<SnapshotRecord> snapshots) {
    }

    /** Decodes one catalog copy, or returns null when it is absent or fails its checksum (a torn write). */
    static Catalog decodeCatalog(String store, long firstChunk, ByteBuffer copy) throws StoreCorruptException {
        ByteBuffer b = copy.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        if (!prefixEquals(magic, CATALOG_MAGIC)) {
            return null;
        }
        long generation = b.getLong();
        int payload = b.getInt();
        int crc = b.getInt();
        if (payload < 8 || payload > b.remaining()) {
            return null;
        }
        byte[] body = new byte[payload];
        b.get(body);
        if (crc(body, 0, payload) != crc) {
            return null;
        }
        ByteBuffer p = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int nextEpoch = p.getInt();
            int count = p.getInt();
            List<SnapshotRecord> list = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SnapshotRecord s = new SnapshotRecord();
                s.epoch = p.getInt();
                int flags = p.getInt();
                s.createdAt = Instant.ofEpochSecond(p.getLong(), p.getInt());
                s.bitmapFirst = p.getLong();
                s.bitmapChunks = p.getInt();
                s.bitmapCrc = p.getInt();
                s.usageBlockSize = p.getInt();
                s.usageBlockCount = p.getLong();
                s.name = getString(p);
                s.sourceId = getString(p);
                String reason = getString(p);
                s.ready = (flags & FLAG_READY) != 0;
                s.invalidReason = (flags & FLAG_INVALID) != 0 ? reason : null;
                s.merging = (flags & FLAG_MERGING) != 0;
                list.add(s);
            }
            return new Catalog(generation, nextEpoch, list);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new StoreCorruptException(store, firstChunk, CATALOG_HEADER_BYTES + p.position(),
                    "catalog passes its checksum but its entries are malformed", e);
        }
    }

    // ---- slots ----

    static void putSlot(ByteBuffer slotChunk, int indexInChunk, int epoch, int originChunk) {
        slotChunk.order(ByteOrder.LITTLE_ENDIAN);
        slotChunk.putInt(indexInChunk * SLOT_BYTES, epoch).putInt(indexInChunk * SLOT_BYTES + 4, originChunk);
    }

    static int slotEpoch(ByteBuffer slots, int indexInBuffer) {
        return slots.order(ByteOrder.LITTLE_ENDIAN).getInt(indexInBuffer * SLOT_BYTES);
    }

    static int slotOrigin(ByteBuffer slots, int indexInBuffer) {
        return slots.order(ByteOrder.LITTLE_ENDIAN).getInt(indexInBuffer * SLOT_BYTES + 4);
    }

    // ---- usage bitmap ----

    static ByteBuffer encodeUsageWords(long[] words, int chunks, int chunkBytes) {
        ByteBuffer b = ByteBuffer.allocate(chunks * chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        return b.clear();
    }

    static long[] decodeUsageWords(ByteBuffer b, long blockCount) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        long[] words = new long[(int) ((blockCount + 63) / 64)];
        for (int i = 0; i < words.length; i++) {
            words[i] = b.getLong(i * 8);
        }
        return words;
    }

    static int usageCrc(long[] words, int chunks, int chunkBytes) {
        ByteBuffer b = encodeUsageWords(words, chunks, chunkBytes);
        return crc(b.array(), 0, words.length * 8);
    }

    // ---- Linux kernel persistent exception store ----

    static ByteBuffer encodeKernelHeader(int chunkBytes) {
        ByteBuffer b = le(chunkBytes);
        b.putInt(KERNEL_MAGIC).putInt(1).putInt(1).putInt(chunkBytes / 512);
        return b.clear();
    }

    static int kernelEntriesPerArea(int chunkBytes) {
        return chunkBytes / KERNEL_ENTRY_BYTES;
    }

    /** The kernel chunk number of metadata area {@code area}. */
    static long kernelAreaChunk(int chunkBytes, long area) {
        return 1 + (kernelEntriesPerArea(chunkBytes) + 1L) * area;
    }

    static void putKernelEntry(ByteBuffer area, int index, long oldChunk, long newChunk) {
        area.order(ByteOrder.LITTLE_ENDIAN);
        area.putLong(index * KERNEL_ENTRY_BYTES, oldChunk).putLong(index * KERNEL_ENTRY_BYTES + 8, newChunk);
    }

    // ---- helpers ----

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, offset, length);
        return (int) c.getValue();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean prefixEquals(byte[] bytes, byte[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if (bytes[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = utf8(s);
        if (bytes.length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is longer than "
                    + MAX_STRING_BYTES);
        }
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String getString(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
