package dev.quiesce.tck;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ReadOnlyDeviceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import dev.quiesce.spi.UnsupportedSourceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small, honest copy-on-write provider in memory: sources are {@link Origin} devices
 * that copy a block aside for every snapshot still needing it before overwriting it
 * (blocks a snapshot's usage bitmap marks free are not copied and read as zeros). One
 * monitor guards everything. Each {@link Flaw} is one realistic bug for the self-test.
 */
final class MemoryCowProvider implements SnapshotProvider {

    enum Flaw {
        NONE,
        /** Claims to use the bitmap, but free blocks read whatever the origin holds now. */
        S1_FREE_BLOCKS_READ_ORIGIN,
        /** A write spanning several blocks copies only its first block aside. */
        S2_COPIES_FIRST_BLOCK_ONLY,
        /** Views accept writes. */
        S3_WRITABLE_VIEW,
        /** A repeated create replaces the snapshot with a new one. */
        S4_REPEAT_MAKES_NEW,
        /** The same name for another source replaces the old snapshot. */
        S5_NAME_REUSED_ACROSS_SOURCES,
        /** Deleting a missing snapshot is an error. */
        S6_DELETE_MISSING_FAILS,
        /** Abort after the cut leaves the snapshot listed. */
        S7_ABORT_AFTER_CUT_LEAKS,
        /** Claims split mirrors while making copy-on-write snapshots. */
        S8_CLAIMS_SPLIT_MIRROR,
        /** The cut stamps a marker block into the source. */
        S9_CUT_STAMPS_SOURCE,
        /** list() returns only its first page of two (the paging bug). */
        S10_LISTS_FIRST_PAGE_ONLY,
        /** Delete also frees the copies the next older snapshot relies on. */
        S11_DELETE_FREES_OLDER,
        /** supports() and prepare() accept any source. */
        S12_ACCEPTS_ANY_SOURCE,
        /** An invalid snapshot reads zeros instead of failing. */
        S13_INVALID_READS_ZEROS,
        /** complete() never marks the snapshot ready. */
        S14_NEVER_READY
    }

    private final Flaw flaw;
    private final Object lock = new Object();
    private final Map<String, Snap> byName = new LinkedHashMap<>();
    private long storedBlocks;
    private long storeLimit = Long.MAX_VALUE;
    private int nextId;

    MemoryCowProvider(Flaw flaw) {
        this.flaw = flaw;
    }

    /** A source whose device is an origin of this provider over {@code under}. */
    SnapshotSource newSource(String id, BlockDevice under) {
        return SnapshotSource.of(id, new Origin(under));
    }

    long storeBytes(int blockSize) {
        synchronized (lock) {
            return storedBlocks * blockSize;
        }
    }

    /** Makes the store full, so the next copy overflows it (S13). */
    void fillStore() {
        synchronized (lock) {
            storeLimit = storedBlocks;
        }
    }

    @Override public String name() { return "memory-cow"; }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(flaw == Flaw.S8_CLAIMS_SPLIT_MIRROR ? Technique.SPLIT_MIRROR : Technique.COPY_ON_WRITE,
                false, CutCost.CONSTANT, true);
    }

    @Override
    public boolean supports(SnapshotSource source) {
        return flaw == Flaw.S12_ACCEPTS_ANY_SOURCE
                || source.device() instanceof Origin o && o.provider() == this;
    }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        SnapshotSource source = request.source();
        if (!supports(source)) {
            throw new UnsupportedSourceException(name(), source.id(), "not an origin device of this provider");
        }
        synchronized (lock) {
            Snap existing = byName.get(request.name());
            if (existing != null) {
                boolean same = existing.sourceId.equals(source.id());
                if (same && flaw != Flaw.S4_REPEAT_MAKES_NEW) {
                    return new Pending(request, existing);
                }
                if (!same && flaw != Flaw.S5_NAME_REUSED_ACROSS_SOURCES) {
                    throw new SnapshotNameConflictException(name(), request.name(), existing.sourceId, source.id());
                }
                removeLocked(existing);
            }
            return new Pending(request, null);
        }
    }

    @Override
    public List<Snapshot> list() {
        synchronized (lock) {
            List<Snapshot> out = new ArrayList<>();
            for (Snap s : byName.values()) {
                if (flaw == Flaw.S10_LISTS_FIRST_PAGE_ONLY && out.size() == 2) {
                    break;
                }
                out.add(s);
            }
            return out;
        }
    }

    @Override
    public void delete(String name) throws SnapshotException {
        synchronized (lock) {
            Snap s = byName.get(name);
            if (s == null) {
                if (flaw == Flaw.S6_DELETE_MISSING_FAILS) {
                    throw new SnapshotException(name(), name, "no such snapshot");
                }
                return;
            }
            if (flaw == Flaw.S11_DELETE_FREES_OLDER) {
                int i = s.origin.snaps.indexOf(s);
                if (i > 0) {
                    Snap older = s.origin.snaps.get(i - 1);
                    storedBlocks -= older.saved.size();
                    older.saved.clear();
                }
            }
            removeLocked(s);
        }
    }

    private void removeLocked(Snap s) {
        byName.remove(s.name);
        s.origin.snaps.remove(s);
        storedBlocks -= s.saved.size();
        s.saved.clear();
    }

    @Override
    public void close() {
        // Everything lives in the heap and goes with the provider.
    }

    /** The origin device: copies old blocks aside for every snapshot that still needs them. */
    final class Origin implements BlockDevice {
        private final BlockDevice under;
        private final List<Snap> snaps = new ArrayList<>();

        Origin(BlockDevice under) {
            this.under = under;
        }

        MemoryCowProvider provider() {
            return MemoryCowProvider.this;
        }

        BlockDevice under() {
            return under;
        }

        @Override public int blockSize() { return under.blockSize(); }
        @Override public long blockCount() { return under.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public String name() { return "origin(" + under.name() + ")"; }

        @Override
        public void read(long block, ByteBuffer dst) throws IOException {
            synchronized (lock) {
                under.read(block, dst);
            }
        }

        @Override
        public void write(long block, ByteBuffer src) throws IOException {
            int n = BlockDevice.checkTransfer(this, block, src);
            synchronized (lock) {
                for (int i = 0; i < n; i++) {
                    if (i > 0 && flaw == Flaw.S2_COPIES_FIRST_BLOCK_ONLY) {
                        break;
                    }
                    copyAside(block + i);
                }
                under.write(block, src);
            }
        }

        private void copyAside(long b) throws IOException {
            for (Snap s : snaps) {
                if (!s.valid || s.saved.containsKey(b) || s.usage != null && !s.usage.inUse(b)) {
                    continue;
                }
                if (storedBlocks >= storeLimit) {
                    storedBlocks -= s.saved.size();
                    s.saved.clear();
                    s.valid = false;
                    continue;
                }
                ByteBuffer old = ByteBuffer.allocate(blockSize());
                under.read(b, old);
                s.saved.put(b, old.array());
                storedBlocks++;
            }
        }

        @Override
        public void flush() throws IOException {
            under.flush();
        }

        @Override
        public void close() throws IOException {
            under.close();
        }
    }

    final class Snap implements Snapshot {
        private final String id;
        private final String name;
        private final String sourceId;
        private final Origin origin;
        private final BlockUsage usage;
        private final Instant createdAt = Instant.now();
        private final Map<Long, byte[]> saved = new HashMap<>();
        private volatile boolean ready;
        private volatile boolean valid = true;

        Snap(String id, SnapshotRequest request) {
            this.id = id;
            this.name = request.name();
            this.sourceId = request.source().id();
            this.origin = (Origin) request.source().device();
            this.usage = request.blockUsage().orElse(null);
        }

        @Override public String id() { return id; }
        @Override public String name() { return name; }
        @Override public String sourceId() { return sourceId; }
        @Override public Technique technique() { return Technique.COPY_ON_WRITE; }
        @Override public Instant createdAt() { return createdAt; }
        @Override public boolean isReady() { return ready; }
        @Override public boolean isValid() { return valid; }
        @Override public Optional<BlockUsage> blockUsage() { return Optional.ofNullable(usage); }

        @Override
        public BlockDevice open() {
            return new View();
        }

        private final class View implements BlockDevice {
            @Override public int blockSize() { return origin.blockSize(); }
            @Override public long blockCount() { return origin.blockCount(); }
            @Override public boolean isReadOnly() { return flaw != Flaw.S3_WRITABLE_VIEW; }
            @Override public String name() { return "snapshot " + name; }

            @Override
            public void read(long block, ByteBuffer dst) throws IOException {
                int n = BlockDevice.checkTransfer(this, block, dst);
                synchronized (lock) {
                    if (!valid && flaw != Flaw.S13_INVALID_READS_ZEROS) {
                        throw new InvalidSnapshotException(name, "its copy-on-write store overflowed");
                    }
                    for (int i = 0; i < n; i++) {
                        long b = block + i;
                        byte[] copy = saved.get(b);
                        boolean free = usage != null && !usage.inUse(b) && flaw != Flaw.S1_FREE_BLOCKS_READ_ORIGIN;
                        if (!valid || free) {
                            dst.put(new byte[blockSize()]);
                        } else if (copy != null) {
                            dst.put(copy);
                        } else {
                            ByteBuffer one = dst.slice();
                            one.limit(blockSize());
                            origin.under().read(b, one);
                            dst.position(dst.position() + blockSize());
                        }
                    }
                }
            }

            @Override
            public void write(long block, ByteBuffer src) throws IOException {
                int n = BlockDevice.checkTransfer(this, block, src);
                if (flaw != Flaw.S3_WRITABLE_VIEW) {
                    throw new ReadOnlyDeviceException(name(), block);
                }
                synchronized (lock) {
                    for (int i = 0; i < n; i++) {
                        byte[] data = new byte[blockSize()];
                        src.get(data);
                        saved.put(block + i, data);
                    }
                }
            }

            @Override public void flush() { }
            @Override public void close() { }
        }
    }

    private final class Pending implements PendingSnapshot {
        private final SnapshotRequest request;
        private final Snap existing;
        private Snap made;
        private boolean completed;

        Pending(SnapshotRequest request, Snap existing) {
            this.request = request;
            this.existing = existing;
        }

        @Override public SnapshotRequest request() { return request; }

        @Override
        public Snapshot cut() throws SnapshotException {
            if (existing != null) {
                return existing;
            }
            synchronized (lock) {
                if (made == null) {
                    made = new Snap("cow-" + (++nextId), request);
                    made.origin.snaps.add(made);
                    byName.put(made.name, made);
                }
            }
            if (flaw == Flaw.S9_CUT_STAMPS_SOURCE) {
                try {
                    ByteBuffer stamp = ByteBuffer.allocate(made.origin.blockSize());
                    stamp.put(0, (byte) 0x5A);
                    made.origin.write(0, stamp);
                } catch (IOException e) {
                    throw new SnapshotException(name(), request.name(), "stamp failed", e);
                }
            }
            return made;
        }

        @Override
        public Snapshot complete() throws SnapshotException {
            if (existing != null) {
                return existing;
            }
            if (made == null) {
                throw new SnapshotException(name(), request.name(), "complete() before cut()");
            }
            made.ready = flaw != Flaw.S14_NEVER_READY;
            completed = true;
            return made;
        }

        @Override
        public void abort() {
            synchronized (lock) {
                if (existing != null || completed || made == null || flaw == Flaw.S7_ABORT_AFTER_CUT_LEAKS) {
                    return;
                }
                if (byName.get(made.name) == made) {
                    removeLocked(made);
                }
            }
        }
    }
}
