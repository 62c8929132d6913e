package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes a new store and opens an existing one. Opening is recovery: the current catalog
 * copy is chosen, snapshots cut but never completed are dropped, and the exception
 * tables are rebuilt from the slot table in one sequential pass, each slot going to the
 * interval of the newest live snapshot cut at or before its epoch; where one interval has
 * two slots for an origin chunk (a deletion joined intervals), the older epoch wins, the
 * same choice {@link ExceptionTable#absorb} made before the crash.
 */
final class StoreLoader {
    private static final int SCAN_BYTES = 1 << 20;

    private StoreLoader() {
    }

    /** Formats {@code store} for an origin of {@code originBytes} in {@code originBlockSize}-byte blocks. */
    static CowEngine format(BlockDevice store, int chunkBytes, long originBytes, int originBlockSize,
                            boolean knownZero) throws IOException {
        if (chunkBytes % store.blockSize() != 0) {
            throw new IOException(store.name() + ": chunk size " + chunkBytes + " is not a multiple of the store's "
                    + store.blockSize() + "-byte blocks");
        }
        long storeChunks = store.sizeBytes() / chunkBytes;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StoreGeometry g = StoreGeometry.plan(chunkBytes, storeChunks, originBytes, originBlockSize,
                r.nextLong(), r.nextLong());
        String problem = g.problem();
        if (problem != null) {
            throw new IOException(store.name() + ": cannot make a dmsnap store: " + problem);
        }
        int perChunk = chunkBytes / store.blockSize();
        ByteBuffer zero = ByteBuffer.allocate(chunkBytes);
        // Only a fresh, sparse file is known to read as zeros already.
        for (long c = g.firstSlotChunk(); c < g.firstDataChunk() && !knownZero; c++) {
            store.write(c * perChunk, zero.clear());
        }
        // A catalog copy without its magic is ignored, so only each copy's first chunk needs clearing.
        store.write(g.catalogChunk(0) * perChunk, zero.clear());
        ByteBuffer catalog = StoreCodec.encodeCatalog(g, 1, 1, List.of());
        store.write(g.catalogChunk(1) * perChunk, catalog);
        store.flush();
        // The superblock goes last, so a store whose formatting was cut short is never taken for one.
        store.write(0, StoreCodec.encodeSuperblock(g));
        store.flush();
        return new CowEngine(store, g, new ChunkAllocator(g.dataChunks()), new ArrayList<>(), 1, 1);
    }

    /** Whether {@code store} begins with a dmsnap superblock. */
    static boolean isFormatted(BlockDevice store) throws IOException {
        if (store.blockCount() < 1) {
            return false;
        }
        ByteBuffer chunk0 = ByteBuffer.allocate(store.blockSize());
        store.read(0, chunk0);
        return chunk0.get(0) == 'Q' && chunk0.get(1) == 'S' && chunk0.get(2) == 'D' && chunk0.get(3) == 'M';
    }

    static CowEngine open(BlockDevice store) throws IOException {
        if (store.blockCount() < 1) {
            throw new StoreCorruptException(store.name(), 0, 0, "the store device is empty");
        }
        ByteBuffer head = ByteBuffer.allocate(store.blockSize());
        store.read(0, head);
        StoreGeometry g = StoreCodec.decodeSuperblock(store.name(), head.flip());
        if (g.chunkBytes() % store.blockSize() != 0 || store.sizeBytes() / g.chunkBytes() < g.storeChunks()) {
            throw new StoreCorruptException(store.name(), 0, 12, "store device of " + store.sizeBytes()
                    + " bytes in " + store.blockSize() + "-byte blocks cannot hold " + g.storeChunks()
                    + " chunks of " + g.chunkBytes());
        }
        int perChunk = g.chunkBytes() / store.blockSize();
        StoreCodec.Catalog best = null;
        for (int copy = 0; copy < 2; copy++) {
            ByteBuffer b = ByteBuffer.allocate(g.catalogChunks() * g.chunkBytes());
            store.read(g.catalogChunk(copy) * perChunk, b);
            StoreCodec.Catalog c = StoreCodec.decodeCatalog(store.name(), g.catalogChunk(copy), b.flip());
            if (c != null && (best == null || c.generation() > best.generation())) {
                best = c;
            }
        }
        if (best == null) {
            throw new StoreCorruptException(store.name(), g.catalogChunk(0), 0, "neither catalog copy is valid");
        }
        ChunkAllocator allocator = new ChunkAllocator(g.dataChunks());
        List<SnapshotRecord> live = new ArrayList<>();
        boolean dropped = false;
        for (SnapshotRecord s : best.snapshots()) {
            if (!s.ready) {
                dropped = true;
                continue;
            }
            loadUsage(store, g, s, allocator);
            live.add(s);
        }
        int[] epochs = live.stream().mapToInt(s -> s.epoch).toArray();
        for (int i = 1; i < epochs.length; i++) {
            if (epochs[i] <= epochs[i - 1]) {
                throw new StoreCorruptException(store.name(), g.catalogChunk((int) (best.generation() & 1)), 0,
                        "catalog epochs out of order: " + epochs[i - 1] + " then " + epochs[i]);
            }
        }
        long[][] words = new long[epochs.length][];
        int[] counts = new int[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
            words[i] = new long[1024];
        }
        scanSlots(store, g, best.nextEpoch(), epochs, words, counts, allocator);
        List<CowEngine.Interval> intervals = new ArrayList<>();
        SlotEpochs slotEpochs = new SlotEpochs(store, g);
        try {
            for (int i = 0; i < epochs.length; i++) {
                ExceptionTable t = ExceptionTable.fromUnsorted(words[i], counts[i], slotEpochs::older,
                        allocator::release);
                words[i] = null;
                intervals.add(new CowEngine.Interval(live.get(i), t));
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        CowEngine engine = new CowEngine(store, g, allocator, intervals, best.nextEpoch(), best.generation());
        if (dropped) {
            engine.commitCatalog();
        }
        return engine;
    }

    private static void loadUsage(BlockDevice store, StoreGeometry g, SnapshotRecord s, ChunkAllocator allocator)
            throws IOException {
        if (s.bitmapChunks == 0) {
            return;
        }
        if (s.bitmapFirst < 0 || s.bitmapFirst + s.bitmapChunks > g.dataChunks()) {
            throw new StoreCorruptException(store.name(), g.firstDataChunk(), 0, "usage bitmap of snapshot '"
                    + s.name + "' lies outside the data area");
        }
        ByteBuffer b = ByteBuffer.allocate(s.bitmapChunks * g.chunkBytes());
        store.read((g.firstDataChunk() + s.bitmapFirst) * (g.chunkBytes() / store.blockSize()), b);
        long[] w = StoreCodec.decodeUsageWords(b, s.usageBlockCount);
        if (StoreCodec.usageCrc(w, s.bitmapChunks, g.chunkBytes()) != s.bitmapCrc) {
            throw new StoreCorruptException(store.name(), g.firstDataChunk() + s.bitmapFirst, 0,
                    "usage bitmap of snapshot '" + s.name + "' fails its checksum");
        }
        s.usage = BlockUsage.of(s.usageBlockSize, s.usageBlockCount, w);
        for (int k = 0; k < s.bitmapChunks; k++) {
            allocator.markUsed(s.bitmapFirst + k);
        }
    }

    private static void scanSlots(BlockDevice store, StoreGeometry g, int nextEpoch, int[] epochs, long[][] words,
                                  int[] counts, ChunkAllocator allocator) throws IOException {
        int perChunk = g.chunkBytes() / store.blockSize();
        int batchChunks = Math.max(1, SCAN_BYTES / g.chunkBytes());
        ByteBuffer batch = ByteBuffer.allocate(batchChunks * g.chunkBytes());
        long originChunks = g.originChunks();
        long slot = 0;
        for (long c = 0; c < g.slotChunks(); c += batchChunks) {
            int n = (int) Math.min(batchChunks, g.slotChunks() - c);
            batch.clear().limit(n * g.chunkBytes());
            store.read((g.firstSlotChunk() + c) * perChunk, batch);
            int slots = (int) Math.min((long) n * g.slotsPerChunk(), g.dataChunks() - slot);
            for (int i = 0; i < slots; i++, slot++) {
                int epoch = StoreCodec.slotEpoch(batch, i);
                if (epoch == 0) {
                    continue;
                }
                int origin = StoreCodec.slotOrigin(batch, i);
                if (epoch < 0 || epoch >= nextEpoch || origin < 0 || origin >= originChunks) {
                    throw new StoreCorruptException(store.name(), g.firstSlotChunk() + slot / g.slotsPerChunk(),
                            (slot % g.slotsPerChunk()) * StoreCodec.SLOT_BYTES, "slot of data chunk " + slot
                            + " names epoch " + epoch + " (next " + nextEpoch + ") and origin chunk " + origin);
                }
                int b = intervalOf(epochs, epoch);
                if (b < 0 || allocator.isUsed(slot)) {
                    continue;
                }
                if (counts[b] == words[b].length) {
                    words[b] = Arrays.copyOf(words[b], words[b].length * 2);
                }
                words[b][counts[b]++] = StoreCodec.exception(origin, slot);
                allocator.markUsed(slot);
            }
        }
    }

    /** The newest live epoch at or before {@code epoch}, as an index, or -1 (nobody needs the slot). */
    private static int intervalOf(int[] epochs, int epoch) {
        int i = Arrays.binarySearch(epochs, epoch);
        return i >= 0 ? i : -i - 2;
    }

    /** Reads slot epochs back to settle the rare duplicate origin in one interval. */
    private static final class SlotEpochs {
        private final BlockDevice store;
        private final StoreGeometry g;

        SlotEpochs(BlockDevice store, StoreGeometry g) {
            this.store = store;
            this.g = g;
        }

        long older(long a, long b) {
            try {
                return epoch(StoreCodec.dataChunkOf(a)) <= epoch(StoreCodec.dataChunkOf(b)) ? a : b;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private int epoch(long dataChunk) throws IOException {
            ByteBuffer chunk = ByteBuffer.allocate(g.chunkBytes());
            store.read((g.firstSlotChunk() + dataChunk / g.slotsPerChunk()) * (g.chunkBytes() / store.blockSize()),
                    chunk);
            return StoreCodec.slotEpoch(chunk, (int) (dataChunk % g.slotsPerChunk()));
        }
    }
}
