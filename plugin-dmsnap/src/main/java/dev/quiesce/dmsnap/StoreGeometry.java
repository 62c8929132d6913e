package dev.quiesce.dmsnap;

/**
 * Where the regions of a store lie (see {@link StoreCodec} for the layout): derived once
 * from the store size and chunk size, then read back from the superblock.
 */
record StoreGeometry(int chunkBytes, long storeChunks, long originBytes, int originBlockSize,
                     int catalogChunks, long slotChunks, long dataChunks, long idHigh, long idLow) {

    static final int MIN_CHUNK = 512;
    static final int MAX_CHUNK = 1 << 20;
    /** Origin chunks must fit the 31 bits the exception word gives them. */
    static final long MAX_ORIGIN_CHUNKS = (1L << 31) - 1;
    /** Data chunks must fit the 32 bits the exception word and the slot give them. */
    static final long MAX_DATA_CHUNKS = (1L << 32) - 1;
    private static final int CATALOG_BYTES = 64 * 1024;

    /** Lays out a new store of {@code storeChunks} chunks for an origin of {@code originBytes}. */
    static StoreGeometry plan(int chunkBytes, long storeChunks, long originBytes, int originBlockSize,
                              long idHigh, long idLow) {
        int catalogChunks = Math.max(1, CATALOG_BYTES / chunkBytes);
        long rest = storeChunks - 1 - 2L * catalogChunks;
        long slotsPerChunk = chunkBytes / StoreCodec.SLOT_BYTES;
        long slotChunks = rest <= 0 ? 0 : (rest + slotsPerChunk) / (slotsPerChunk + 1);
        long dataChunks = Math.max(0, rest - slotChunks);
        return new StoreGeometry(chunkBytes, storeChunks, originBytes, originBlockSize, catalogChunks,
                slotChunks, dataChunks, idHigh, idLow);
    }

    /** What is wrong with this geometry, or null. */
    String problem() {
        if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK || Integer.bitCount(chunkBytes) != 1) {
            return "chunk size " + chunkBytes + " is not a power of two in " + MIN_CHUNK + ".." + MAX_CHUNK;
        }
        if (originBlockSize < 512 || Integer.bitCount(originBlockSize) != 1 || originBlockSize > chunkBytes) {
            return "origin block size " + originBlockSize + " must be a power of two from 512 to the chunk size "
                    + chunkBytes;
        }
        if (originBytes <= 0 || originBytes % originBlockSize != 0) {
            return "origin size " + originBytes + " is not a positive number of " + originBlockSize + "-byte blocks";
        }
        if (originChunks() > MAX_ORIGIN_CHUNKS) {
            return "origin of " + originChunks() + " chunks exceeds " + MAX_ORIGIN_CHUNKS
                    + " chunks; use a bigger chunk size";
        }
        if (dataChunks < 1) {
            return "store of " + storeChunks + " chunks has no room for data after its metadata";
        }
        if (dataChunks > MAX_DATA_CHUNKS) {
            return "store of " + dataChunks + " data chunks exceeds " + MAX_DATA_CHUNKS + "; use a bigger chunk size";
        }
        if (1 + 2L * catalogChunks + slotChunks + dataChunks != storeChunks
                || slotChunks * (chunkBytes / StoreCodec.SLOT_BYTES) < dataChunks) {
            return "regions do not add up to the store size";
        }
        return null;
    }

    long originChunks() {
        return (originBytes + chunkBytes - 1) / chunkBytes;
    }

    long catalogChunk(int copy) {
        return 1 + (long) copy * catalogChunks;
    }

    long firstSlotChunk() {
        return 1 + 2L * catalogChunks;
    }

    long firstDataChunk() {
        return firstSlotChunk() + slotChunks;
    }

    int slotsPerChunk() {
        return chunkBytes / StoreCodec.SLOT_BYTES;
    }

    /** Bytes of origin chunk {@code c}: the chunk size, less for a short last chunk. */
    int originChunkBytes(long c) {
        return (int) Math.min(chunkBytes, originBytes - c * chunkBytes);
    }
}
