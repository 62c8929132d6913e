package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * The copy-on-write engine: one origin, any number of snapshots, one store.
 *
 * <h2>Intervals</h2>
 * Every cut snapshot opens an interval that lasts until the next cut. The first write to
 * an origin chunk in an interval copies the chunk once into the store, into that
 * interval's {@link ExceptionTable}; the copy serves the snapshot that opened the
 * interval and every older one that has no copy of that chunk yet. So a chunk is copied
 * once however many snapshots need it, and a snapshot reads a chunk from the first
 * interval, its own or a later one, that holds it, else from the origin. Deleting a
 * snapshot joins its interval into the one before (keeping the older copy where both have
 * one) or, for the oldest, frees it.
 *
 * <h2>Write ordering</h2>
 * An origin write that needs a copy is held in {@code pending} (reads see it) until a
 * group commit: flush the store (copied data durable), write the catalog and flush if it
 * changed (epochs, invalid flags), write the slots of the group and flush, and only then
 * write the held chunks to the origin. So one commit covers up to {@code pendingLimit}
 * exceptions and no origin write ever reaches the device before the exception that
 * protects its old data is durable. A flush of the origin commits first. Copies wait in
 * direct buffers too ({@link HeldCopies}): consecutive data chunks in one arena written by one call.
 *
 * <h2>Threading</h2>
 * One read-write lock: origin writes that may need a copy, commits, cuts and deletes take
 * the write lock; origin and snapshot reads take the read lock. A write whose chunks
 * {@link DirectChunks} marks direct (copied already in this interval, or needed by no
 * live snapshot) goes straight to the origin without the lock; see that class for why
 * this is safe and how a cut waits for such writes.
 */
final class CowEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CowEngine.class.getName());
    private static final int PENDING_BYTES = 4 << 20;

    /** One interval: the snapshot whose cut opened it and the copies made during it. */
    static final class Interval {
        final SnapshotRecord snapshot;
        final ExceptionTable table;

        Interval(SnapshotRecord snapshot, ExceptionTable table) {
            this.snapshot = snapshot;
            this.table = table;
        }
    }

    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    final BlockDevice store;
    final StoreGeometry geometry;
    final ChunkAllocator allocator;
    final List<Interval> intervals;
    private final int storeBlocksPerChunk;
    private final int pendingLimit;
    private final int chunkShift;
    private final HeldWrites pending;
    private final HeldCopies copyQueue;
    /** The slot-table chunk being rewritten at a commit; direct, reused. */
    private ByteBuffer slotBuffer;
    private final DirtySlots dirtySlots = new DirtySlots();
    private int nextEpoch;
    private long catalogGeneration;
    private boolean catalogDirty;
    private BlockDevice origin;
    private final DirectChunks direct;
    private boolean mergeActive;
    private boolean closed;
    /** Test hook: an injected bug that writes held origin chunks before the commit, which the crash tests must catch. */
    boolean releaseBeforeCommit;
    /** Test hook: an injected bug that commits slots without first flushing the copied data. */
    boolean skipDataFlush;

    CowEngine(BlockDevice store, StoreGeometry geometry, ChunkAllocator allocator, List<Interval> intervals,
              int nextEpoch, long catalogGeneration) {
        this.store = store;
        this.geometry = geometry;
        this.allocator = allocator;
        this.intervals = intervals;
        this.nextEpoch = nextEpoch;
        this.catalogGeneration = catalogGeneration;
        this.storeBlocksPerChunk = geometry.chunkBytes() / store.blockSize();
        this.pendingLimit = Math.max(1, Math.min(256, PENDING_BYTES / geometry.chunkBytes()));
        this.chunkShift = Integer.numberOfTrailingZeros(geometry.chunkBytes());
        this.copyQueue = new HeldCopies(geometry.chunkBytes(), pendingLimit);
        this.pending = new HeldWrites(pendingLimit);
        this.mergeActive = intervals.stream().anyMatch(i -> i.snapshot.merging);
        this.direct = new DirectChunks((geometry.originBytes() + geometry.chunkBytes() - 1) >>> chunkShift);
    }

    // ---------------------------------------------------------------- origin

    void attachOrigin(BlockDevice real) throws IOException {
        lock.writeLock().lock();
        try {
            if (origin != null && origin != real) {
                throw new IOException(store.name() + ": store already serves origin " + origin.name());
            }
            if (real.sizeBytes() != geometry.originBytes() || real.blockSize() != geometry.originBlockSize()) {
                throw new IOException(store.name() + ": store was made for an origin of " + geometry.originBytes()
                        + " bytes in " + geometry.originBlockSize() + "-byte blocks, " + real.name() + " has "
                        + real.sizeBytes() + " bytes in " + real.blockSize() + "-byte blocks");
            }
            if (real.isReadOnly()) {
                throw new IOException(real.name() + " is read-only and cannot be an origin");
            }
            origin = real;
        } finally {
            lock.writeLock().unlock();
        }
    }

    BlockDevice origin() {
        return origin;
    }

    void originRead(long block, ByteBuffer dst) throws IOException {
        lock.readLock().lock();
        try {
            checkOpen();
            long offset = block * geometry.originBlockSize();
            int start = dst.position();
            int length = dst.remaining();
            origin.read(block, dst);
            if (!pending.isEmpty()) {
                overlayPending(offset, length, dst, start);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    void originWrite(long block, ByteBuffer src) throws IOException {
        if (src.hasRemaining()) {
            long offset = block * geometry.originBlockSize();
            int stripe = direct.enter();
            try {
                if (direct.allDirect((int) (offset >>> chunkShift),
                        (int) ((offset + src.remaining() - 1) >>> chunkShift))) {
                    origin.write(block, src);
                    return;
                }
            } finally {
                direct.leave(stripe);
            }
        }
        lock.writeLock().lock();
        try {
            checkOpen();
            if (mergeActive) {
                throw new MergeInProgressException(origin.name(), mergingName());
            }
            writeLocked(block * geometry.originBlockSize(), src);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Writes through the copy-on-write path; the merge uses it with the lock held. */
    void writeLocked(long offset, ByteBuffer src) throws IOException {
        int shift = chunkShift;
        int mask = geometry.chunkBytes() - 1;
        while (src.hasRemaining()) {
            int c = (int) (offset >>> shift);
            int within = (int) offset & mask;
            int len = Math.min(src.remaining(), geometry.originChunkBytes(c) - within);
            if (len == src.remaining()) {
                writeChunk(c, within, src);
            } else {
                ByteBuffer part = src.slice();
                part.limit(len);
                writeChunk(c, within, part);
                src.position(src.position() + len);
            }
            offset += len;
        }
        if (pending.size() >= pendingLimit) {
            commitLocked();
        }
    }

    private void writeChunk(int c, int within, ByteBuffer data) throws IOException {
        if (!mergeActive && !direct.pageCurrent(c)) {
            direct.refresh(c, this::fillDirect);
        }
        ByteBuffer held = pending.isEmpty() ? null : pending.get(c);
        if (!intervals.isEmpty() && copyNeeded(c)) {
            long n = allocator.allocate();
            ByteBuffer old = n < 0 ? copyQueue.buffer() : copyQueue.copyBuffer(n);
            readOriginChunk(c, old);
            if (n < 0) {
                invalidateNeeding(c);
            } else {
                copyQueue.hold(n, old);
                Interval latest = intervals.get(intervals.size() - 1);
                latest.table.put(c, n);
                dirtySlots.put(n, StoreCodec.exception(latest.snapshot.epoch, c));
            }
            ByteBuffer next = held;
            if (next == null) {
                next = copyQueue.buffer();
                if (data.remaining() < geometry.originChunkBytes(c)) {
                    next.put(0, old, 0, old.capacity());
                }
            }
            if (n < 0) {
                copyQueue.recycle(old);
            }
            overlay(next, within, data);
            pending.put(c, next);
            if (releaseBeforeCommit) {
                writeOriginChunk(c, next);
            }
        } else if (held != null) {
            overlay(held, within, data);
        } else {
            origin.write(((long) c * geometry.chunkBytes() + within) / geometry.originBlockSize(), data);
            if (!mergeActive) {
                direct.mark(c);
            }
        }
    }

    private void fillDirect(int first, long[] page) {
        DirectChunks.fill(geometry, intervals, pending.chunks(), first, page);
    }

    /**
     * Whether some live snapshot still needs the current contents of chunk {@code c}:
     * walking from the newest interval back, the first interval that holds a copy of
     * {@code c} answers no; a valid snapshot using the chunk met before it answers yes.
     */
    private boolean copyNeeded(int c) {
        for (int i = intervals.size() - 1; i >= 0; i--) {
            Interval it = intervals.get(i);
            if (it.table.contains(c)) {
                return false;
            }
            SnapshotRecord s = it.snapshot;
            if (s.valid() && (s.usage == null
                    || s.inUse((long) c << chunkShift, geometry.originChunkBytes(c)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a snapshot of interval {@code from} or older needs a copy of chunk {@code c}
     * placed in interval {@code from}: walking down, a snapshot using the chunk comes
     * before any interval that already holds a copy.
     */
    private boolean neededFrom(int from, int c) {
        long offset = (long) c * geometry.chunkBytes();
        int len = geometry.originChunkBytes(c);
        for (int i = from; i >= 0; i--) {
            Interval it = intervals.get(i);
            if (i < from && it.table.contains(c)) {
                return false;
            }
            if (it.snapshot.valid() && it.snapshot.inUse(offset, len)) {
                return true;
            }
        }
        return false;
    }

    /** The store is full: every snapshot that needed chunk {@code c} becomes invalid (S13); others are untouched. */
    private void invalidateNeeding(int c) {
        long offset = (long) c * geometry.chunkBytes();
        int len = geometry.originChunkBytes(c);
        for (int i = intervals.size() - 1; i >= 0; i--) {
            Interval it = intervals.get(i);
            if (it.table.contains(c)) {
                return;
            }
            SnapshotRecord s = it.snapshot;
            if (s.valid() && s.inUse(offset, len)) {
                s.invalidReason = "copy-on-write store " + store.name() + " is full (" + allocator.capacity()
                        + " data chunks); origin chunk " + c + " could not be copied";
                catalogDirty = true;
                LOG.log(System.Logger.Level.WARNING, "snapshot ''{0}'' invalidated: {1}", s.name, s.invalidReason);
            }
        }
    }

    void flush() throws IOException {
        lock.writeLock().lock();
        try {
            checkOpen();
            commitLocked();
            origin.flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The group commit (see the class comment for the order). */
    void commitLocked() throws IOException {
        writeCopies();
        if (!dirtySlots.isEmpty() || catalogDirty) {
            if (!skipDataFlush) {
                store.flush();
            }
            if (catalogDirty) {
                writeCatalog();
                store.flush();
            }
            if (!dirtySlots.isEmpty()) {
                writeSlots();
                store.flush();
            }
        }
        if (!pending.isEmpty()) {
            int[] chunks = pending.chunks();
            java.util.Arrays.sort(chunks);
            for (int c : chunks) {
                ByteBuffer b = pending.get(c);
                writeOriginChunk(c, b);
                copyQueue.recycle(b);
            }
            pending.clear();
            if (!mergeActive && !closed) {
                for (int c : chunks) {
                    if (direct.pageCurrent(c) && !copyNeeded(c)) {
                        direct.mark(c);
                    }
                }
            }
        }
    }

    /** Writes the held copies, one store write per run of consecutive data chunks. */
    private void writeCopies() throws IOException {
        copyQueue.writeAll((first, run) -> store.write(storeChunk(first) * storeBlocksPerChunk, run));
    }

    private void writeSlots() throws IOException {
        int perChunk = geometry.slotsPerChunk();
        if (slotBuffer == null) {
            slotBuffer = ByteBuffer.allocateDirect(geometry.chunkBytes());
        }
        ByteBuffer chunk = slotBuffer;
        long[] current = {-1};
        dirtySlots.drain((dataChunk, word) -> {
            long slotChunk = dataChunk / perChunk;
            if (slotChunk != current[0]) {
                if (current[0] >= 0) {
                    writeStoreChunk(geometry.firstSlotChunk() + current[0], chunk.clear());
                }
                current[0] = slotChunk;
                readStoreChunk(geometry.firstSlotChunk() + slotChunk, chunk.clear());
            }
            StoreCodec.putSlot(chunk, (int) (dataChunk % perChunk), StoreCodec.originOf(word),
                    (int) StoreCodec.dataChunkOf(word));
        });
        if (current[0] >= 0) {
            writeStoreChunk(geometry.firstSlotChunk() + current[0], chunk.clear());
        }
    }

    private void writeCatalog() throws IOException {
        List<SnapshotRecord> list = new ArrayList<>();
        for (Interval it : intervals) {
            list.add(it.snapshot);
        }
        long generation = catalogGeneration + 1;
        ByteBuffer b = StoreCodec.encodeCatalog(geometry, generation, nextEpoch, list);
        if (b == null) {
            throw new IOException(store.name() + ": catalog of " + list.size() + " snapshots does not fit in "
                    + geometry.catalogChunks() * geometry.chunkBytes() + " bytes");
        }
        store.write(geometry.catalogChunk((int) (generation & 1)) * storeBlocksPerChunk, b);
        catalogGeneration = generation;
        catalogDirty = false;
    }

    // ---------------------------------------------------------------- snapshots

    /** Reserves the usage bitmap's chunks and writes it; nothing is durable or listed yet. */
    SnapshotRecord prepare(String name, String sourceId, dev.quiesce.spi.BlockUsage usage) throws IOException {
        lock.writeLock().lock();
        try {
            checkOpen();
            SnapshotRecord s = new SnapshotRecord();
            s.name = name;
            s.sourceId = sourceId;
            s.usage = usage;
            List<SnapshotRecord> all = new ArrayList<>(snapshots());
            all.add(s);
            if (StoreCodec.catalogBytes(all) > geometry.catalogChunks() * geometry.chunkBytes()) {
                throw new StoreFullException(store.name(), "the catalog has no room for another snapshot");
            }
            if (usage != null) {
                persistUsage(s);
            }
            return s;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Writes {@code s.usage} into store chunks of its own; the next commit's flush makes it durable. */
    private void persistUsage(SnapshotRecord s) throws IOException {
        long[] words = s.usage.toWords();
        int chunks = (int) Math.max(1, ((long) words.length * 8 + geometry.chunkBytes() - 1)
                / geometry.chunkBytes());
        long first = allocator.allocateRun(chunks);
        if (first < 0) {
            throw new StoreFullException(store.name(), "no run of " + chunks
                    + " free chunks for the usage bitmap");
        }
        s.bitmapFirst = first;
        s.bitmapChunks = chunks;
        s.bitmapCrc = StoreCodec.usageCrc(words, chunks, geometry.chunkBytes());
        s.usageBlockSize = s.usage.blockSize();
        s.usageBlockCount = s.usage.blockCount();
        store.write(storeChunk(first) * storeBlocksPerChunk,
                StoreCodec.encodeUsageWords(words, chunks, geometry.chunkBytes()));
    }

    /**
     * Takes the bitmap the freeze reported, for a snapshot prepared without one: from the
     * cut on, chunks free in it are never copied. Only memory changes here, so the cut
     * stays constant-time; {@link #complete} writes the bitmap before the snapshot is
     * listed, and a crash before that drops the unfinished snapshot as always.
     */
    void adoptUsage(SnapshotRecord s, dev.quiesce.spi.BlockUsage usage) {
        lock.writeLock().lock();
        try {
            if (s.usage == null) {
                s.usage = usage;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The cut: constant time, no I/O; the next commit makes it durable. */
    void cut(SnapshotRecord s) throws IOException {
        lock.writeLock().lock();
        try {
            checkOpen();
            direct.invalidate();
            s.epoch = nextEpoch++;
            s.createdAt = Instant.now();
            intervals.add(new Interval(s, ExceptionTable.empty()));
            catalogDirty = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Marks a cut snapshot ready and makes it durable. The origin is flushed first: chunks
     * the snapshot reads from the origin must not fall back to older contents in a crash
     * once it is listed (the caller's freeze normally flushed them already).
     */
    void complete(SnapshotRecord s) throws IOException {
        lock.writeLock().lock();
        try {
            checkOpen();
            if (s.usage != null && s.bitmapChunks == 0) {
                persistUsage(s);
            }
            commitLocked();
            origin.flush();
            s.ready = true;
            catalogDirty = true;
            commitLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes a snapshot (cut or only prepared) and frees its chunks once that is durable. */
    void delete(SnapshotRecord s) throws IOException {
        lock.writeLock().lock();
        try {
            checkNotClosed();
            if (s.deleted) {
                return;
            }
            direct.invalidate();
            int i = indexOf(s);
            List<Long> freed = new ArrayList<>();
            if (i >= 0) {
                Interval it = intervals.remove(i);
                LongConsumer free = freed::add;
                if (i > 0) {
                    int below = i - 1;
                    intervals.get(below).table.absorb(it.table,
                            w -> neededFrom(below, StoreCodec.originOf(w)), free);
                } else {
                    it.table.forEach(w -> free.accept(StoreCodec.dataChunkOf(w)));
                }
                catalogDirty = true;
                if (intervals.stream().noneMatch(x -> x.snapshot.merging)) {
                    mergeActive = false;
                }
            }
            s.deleted = true;
            // Clear the freed chunks' slots in the same commit, after the catalog: a reopen
            // then finds nothing to resurrect, and a crash in between leaves only slots the
            // reopen recomputes as free or as copies nobody reads.
            for (long n : freed) {
                dirtySlots.put(n, 0L);
            }
            commitLocked();
            for (long n : freed) {
                allocator.release(n);
            }
            for (int k = 0; k < s.bitmapChunks; k++) {
                allocator.release(s.bitmapFirst + k);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every cut snapshot, oldest first. */
    List<SnapshotRecord> snapshots() {
        lock.readLock().lock();
        try {
            List<SnapshotRecord> list = new ArrayList<>();
            for (Interval it : intervals) {
                list.add(it.snapshot);
            }
            return list;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The data chunk holding chunk {@code c} for the snapshot of interval {@code j}, or -1 (read the origin). */
    long findFrom(int j, int c) {
        for (int i = j; i < intervals.size(); i++) {
            long n = intervals.get(i).table.find(c);
            if (n >= 0) {
                return n;
            }
        }
        return -1;
    }

    int indexOf(SnapshotRecord s) {
        for (int i = 0; i < intervals.size(); i++) {
            if (intervals.get(i).snapshot == s) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- merge support

    void setMerging(SnapshotRecord s) throws IOException {
        s.merging = true;
        mergeActive = true;
        direct.invalidate();
        catalogDirty = true;
        commitLocked();
    }

    boolean mergeActive() {
        return mergeActive;
    }

    private String mergingName() {
        return intervals.stream().filter(i -> i.snapshot.merging).map(i -> i.snapshot.name).findFirst().orElse("?");
    }

    // ---------------------------------------------------------------- helpers

    long storeChunk(long dataChunk) {
        return geometry.firstDataChunk() + dataChunk;
    }

    /** A data chunk's contents, from the held copies if not yet written. */
    void readDataChunk(long dataChunk, byte[] dst) throws IOException {
        if (!copyQueue.read(dataChunk, dst)) {
            readStoreChunk(storeChunk(dataChunk), ByteBuffer.wrap(dst));
        }
    }

    void readStoreChunk(long chunk, ByteBuffer dst) throws IOException {
        store.read(chunk * storeBlocksPerChunk, dst);
    }

    private void writeStoreChunk(long chunk, ByteBuffer src) throws IOException {
        store.write(chunk * storeBlocksPerChunk, src);
    }

    /** Reads the origin chunk as a reader sees it now (held writes included) into {@code b}, zero-padded. */
    private void readOriginChunk(int c, ByteBuffer b) throws IOException {
        ByteBuffer held = pending.isEmpty() ? null : pending.get(c);
        if (held != null) {
            b.put(0, held, 0, held.capacity());
            return;
        }
        int len = geometry.originChunkBytes(c);
        origin.read((long) c * geometry.chunkBytes() / geometry.originBlockSize(), b.clear().limit(len));
        b.clear();
        for (int i = len; i < b.capacity(); i++) {
            b.put(i, (byte) 0);
        }
    }

    /** Copies what remains of {@code data} into {@code chunk} at {@code within}, consuming it. */
    private static void overlay(ByteBuffer chunk, int within, ByteBuffer data) {
        int n = data.remaining();
        chunk.put(within, data, data.position(), n);
        data.position(data.position() + n);
    }

    private void writeOriginChunk(int c, ByteBuffer data) throws IOException {
        origin.write((long) c * geometry.chunkBytes() / geometry.originBlockSize(),
                data.clear().limit(geometry.originChunkBytes(c)));
        data.clear();
    }

    void overlayPending(long offset, int length, ByteBuffer dst, int start) {
        int cb = geometry.chunkBytes();
        long end = offset + length;
        for (long c = offset / cb; c * cb < end; c++) {
            ByteBuffer held = pending.get((int) c);
            if (held != null) {
                long from = Math.max(offset, c * cb);
                long to = Math.min(end, c * cb + geometry.originChunkBytes(c));
                dst.put(start + (int) (from - offset), held, (int) (from - c * cb), (int) (to - from));
            }
        }
    }

    void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(store.name() + ": the dmsnap store is closed");
        }
        if (origin == null) {
            throw new IOException(store.name() + ": no origin attached; call DmsnapProvider.origin(device) first");
        }
    }

    void checkNotClosed() throws IOException {
        if (closed) {
            throw new IOException(store.name() + ": the dmsnap store is closed");
        }
    }

    /** Makes catalog changes made while opening (dropped unfinished snapshots) durable. */
    void commitCatalog() throws IOException {
        lock.writeLock().lock();
        try {
            catalogDirty = true;
            commitLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            direct.invalidate();
            if (origin != null) {
                commitLocked();
                origin.flush();
            } else if (catalogDirty) {
                commitLocked();
            }
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
