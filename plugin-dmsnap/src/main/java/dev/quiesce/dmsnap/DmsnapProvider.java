package dev.quiesce.dmsnap;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ProviderBusyException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import dev.quiesce.spi.UnsupportedSourceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Copy-on-write snapshots in the manner of device-mapper's {@code snapshot} target, with
 * chunks shared between snapshots, usage bitmaps honoured and a compact exception table.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * DmsnapProvider p = DmsnapProvider.onFile(Path.of("/var/lib/x.cow"), 4096, 0);
 * DmsnapOrigin origin = p.origin(realDevice);       // write through this from now on
 * SnapshotSource src = origin.source("vol1");
 * Snapshot s = p.create(SnapshotRequest.of("nightly", src));  // the caller froze the fs
 * }</pre>
 * Each origin has its own store: {@link #origin(BlockDevice)} binds the configured store,
 * {@link #origin(BlockDevice, BlockDevice)} serves further origins from stores the caller
 * provides. {@link #supports} accepts exactly the {@link DmsnapOrigin}s this provider
 * returned. Snapshot names are unique across all of them.
 *
 * <p>Contract: S1-S14 of SPEC.md. Capabilities: {@link Technique#COPY_ON_WRITE}, the cut
 * does not freeze the source (the caller freezes), {@link CutCost#CONSTANT}, and a block
 * usage bitmap in the request is used: chunks with no block in use at the cut are never
 * copied and those blocks read back as zeros (S1).
 *
 * <p>Any snapshot can be handed to the Linux kernel: {@link #exportKernelStore} writes a
 * store in the kernel's persistent exception-store format ({@code dmsetup create ... snapshot
 * <origin> <cow> P <chunk sectors>}).
 */
public final class DmsnapProvider implements SnapshotProvider {
    /** The name the factory is registered under. */
    public static final String NAME = "dmsnap";
    private static final Capabilities CAPABILITIES =
            new Capabilities(Technique.COPY_ON_WRITE, false, CutCost.CONSTANT, true);

    /** One origin, its store and the engine between them. */
    private static final class Volume {
        final BlockDevice store;
        final boolean ownsStore;
        CowEngine engine;
        DmsnapOrigin origin;

        Volume(BlockDevice store, boolean ownsStore, CowEngine engine) {
            this.store = store;
            this.ownsStore = ownsStore;
            this.engine = engine;
        }
    }

    private final Path storePath;
    private final BlockDevice configuredStore;
    private final int chunkBytes;
    private final long storeBytes;
    private Volume primary;
    private final List<Volume> volumes = new ArrayList<>();
    private final Map<String, DmsnapPending> inFlight = new HashMap<>();
    private boolean closed;

    private DmsnapProvider(Path storePath, BlockDevice store, int chunkBytes, long storeBytes)
            throws SnapshotException {
        this.storePath = storePath;
        this.configuredStore = store;
        this.chunkBytes = chunkBytes;
        this.storeBytes = storeBytes;
        BlockDevice device = store;
        boolean owns = false;
        try {
            if (device == null && Files.exists(storePath)) {
                device = FileBlockDevice.open(storePath, 512, false);
                owns = true;
            }
            if (device != null && StoreLoader.isFormatted(device)) {
                primary = new Volume(device, owns, StoreLoader.open(device));
                volumes.add(primary);
            } else if (owns) {
                device.close();
            }
        } catch (IOException e) {
            if (owns) {
                try {
                    device.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new SnapshotException(NAME, null, "cannot open store " + describeStore() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A provider whose store is the file {@code store}: opened if it exists, else made
     * when {@link #origin(BlockDevice)} is first called, {@code storeBytes} long (0: the
     * origin's size plus metadata, so one snapshot's copies always fit).
     */
    public static DmsnapProvider onFile(Path store, int chunkBytes, long storeBytes) throws SnapshotException {
        return new DmsnapProvider(Objects.requireNonNull(store, "store"), null, chunkBytes, storeBytes);
    }

    /** A provider whose store is {@code store}, formatted on first {@link #origin(BlockDevice)} unless it holds one. */
    public static DmsnapProvider onDevice(BlockDevice store, int chunkBytes) throws SnapshotException {
        return new DmsnapProvider(null, Objects.requireNonNull(store, "store"), chunkBytes, 0);
    }

    /**
     * The origin device to write through, using the configured store. The first call binds
     * the store to {@code real} (making it if needed); later calls with the same device
     * return the same origin. Fails if the store was made for a device of another size.
     */
    public synchronized DmsnapOrigin origin(BlockDevice real) throws SnapshotException {
        checkOpen();
        Volume existing = volumeOfReal(real);
        if (existing != null) {
            return existing.origin;
        }
        if (primary != null && primary.origin != null) {
            throw new SnapshotException(NAME, null, "store " + describeStore() + " already serves "
                    + primary.origin.real().name() + "; use origin(device, store) for another origin");
        }
        try {
            if (primary == null) {
                BlockDevice device = configuredStore;
                boolean owns = false;
                if (device == null) {
                    long bytes = storeBytes > 0 ? storeBytes : defaultStoreBytes(real);
                    device = FileBlockDevice.create(storePath, 512, bytes / 512, false);
                    owns = true;
                }
                primary = new Volume(device, owns, StoreLoader.format(device, chunkBytes, real.sizeBytes(),
                        real.blockSize(), owns));
                volumes.add(primary);
            }
            return attach(primary, real);
        } catch (IOException e) {
            throw new SnapshotException(NAME, null, "cannot serve " + real.name() + " from store "
                    + describeStore() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Another origin, with its own store on {@code store} (formatted with this provider's
     * chunk size unless it already holds a dmsnap store). The caller keeps ownership of
     * both devices and closes them after this provider.
     */
    public synchronized DmsnapOrigin origin(BlockDevice real, BlockDevice store) throws SnapshotException {
        checkOpen();
        Volume existing = volumeOfReal(real);
        if (existing != null) {
            if (existing.store != store) {
                throw new SnapshotException(NAME, null, real.name() + " is already served from store "
                        + existing.store.name());
            }
            return existing.origin;
        }
        for (Volume v : volumes) {
            if (v.store == store) {
                throw new SnapshotException(NAME, null, "store " + store.name() + " already serves another origin");
            }
        }
        try {
            CowEngine engine = StoreLoader.isFormatted(store) ? StoreLoader.open(store)
                    : StoreLoader.format(store, chunkBytes, real.sizeBytes(), real.blockSize(), false);
            Volume v = new Volume(store, false, engine);
            volumes.add(v);
            return attach(v, real);
        } catch (IOException e) {
            throw new SnapshotException(NAME, null, "cannot serve " + real.name() + " from store "
                    + store.name() + ": " + e.getMessage(), e);
        }
    }

    private DmsnapOrigin attach(Volume v, BlockDevice real) throws IOException {
        v.engine.attachOrigin(real);
        v.origin = new DmsnapOrigin(v.engine, real);
        return v.origin;
    }

    private Volume volumeOfReal(BlockDevice real) {
        for (Volume v : volumes) {
            if (v.origin != null && v.origin.real() == real) {
                return v;
            }
        }
        return null;
    }

    private long defaultStoreBytes(BlockDevice real) {
        long data = (real.sizeBytes() + chunkBytes - 1) / chunkBytes * chunkBytes;
        long catalogs = 2L * Math.max(chunkBytes, 65536);
        long slots = data / (chunkBytes / StoreCodec.SLOT_BYTES) + chunkBytes;
        long bitmap = real.sizeBytes() / 512 / 8 + 2L * chunkBytes;
        long bytes = chunkBytes + catalogs + slots + data + bitmap;
        return (bytes + chunkBytes - 1) / chunkBytes * chunkBytes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public synchronized boolean supports(SnapshotSource source) {
        return volumeOf(source) != null;
    }

    private Volume volumeOf(SnapshotSource source) {
        for (Volume v : volumes) {
            if (v.origin != null && source.device() == v.origin) {
                return v;
            }
        }
        return null;
    }

    @Override
    public synchronized PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        checkOpen();
        SnapshotSource source = request.source();
        Volume v = volumeOf(source);
        if (v == null) {
            throw new UnsupportedSourceException(NAME, source.id(), "only devices returned by "
                    + "DmsnapProvider.origin(device) of this provider can be snapshotted; wrap the device with it "
                    + "and write through the origin");
        }
        String name = request.name();
        Found found = findReady(name);
        if (found != null) {
            if (!found.record.sourceId.equals(source.id())) {
                throw new SnapshotNameConflictException(NAME, name, found.record.sourceId, source.id());
            }
            return new DmsnapPending(this, request, found.volume.engine, new DmsnapSnapshot(found.volume.engine,
                    found.record));
        }
        if (inFlight.containsKey(name)) {
            throw new ProviderBusyException(NAME, name, "a snapshot of that name is being made; retry after it");
        }
        if (v.engine.mergeActive()) {
            throw new ProviderBusyException(NAME, name, "a merge is in progress on this origin");
        }
        try {
            SnapshotRecord record = v.engine.prepare(name, source.id(), request.blockUsage().orElse(null));
            DmsnapPending pending = new DmsnapPending(this, request, v.engine, record);
            inFlight.put(name, pending);
            return pending;
        } catch (StoreFullException e) {
            throw new NoSpaceException(NAME, name, e.getMessage(), e);
        } catch (IOException e) {
            throw new SnapshotException(NAME, name, "prepare failed: " + e.getMessage(), e);
        }
    }

    synchronized void finished(DmsnapPending pending) {
        inFlight.remove(pending.request().name(), pending);
    }

    @Override
    public synchronized List<Snapshot> list() throws SnapshotException {
        checkOpen();
        List<Snapshot> list = new ArrayList<>();
        for (Volume v : volumes) {
            for (SnapshotRecord s : v.engine.snapshots()) {
                if (s.ready && !s.deleted) {
                    list.add(new DmsnapSnapshot(v.engine, s));
                }
            }
        }
        return list;
    }

    @Override
    public synchronized void delete(String name) throws SnapshotException {
        checkOpen();
        Found f = findReady(name);
        if (f == null) {
            return;
        }
        if (f.record.merging) {
            throw new ProviderBusyException(NAME, name, "it is being merged into the origin");
        }
        try {
            f.volume.engine.delete(f.record);
        } catch (IOException e) {
            throw new SnapshotException(NAME, name, "delete failed: " + e.getMessage(), e);
        }
    }

    /**
     * Rolls the origin back to snapshot {@code name} (like {@code lvconvert --merge}) and
     * then deletes the snapshot. Origin writes are refused with
     * {@link MergeInProgressException} until it ends; other snapshots stay exact. Crash
     * safe: after a crash the snapshot is still listed and the origin refuses writes until
     * {@code merge} is called again, which finishes the job. Its time is bounded by the
     * chunks to write back, reported to {@code progress}.
     */
    public void merge(String name, MergeProgress progress) throws SnapshotException {
        Found f;
        synchronized (this) {
            checkOpen();
            f = findReady(name);
            if (f == null) {
                throw new SnapshotException(NAME, name, "no such snapshot");
            }
            if (f.volume.origin == null) {
                throw new SnapshotException(NAME, name, "no origin attached to its store; call origin(device) first");
            }
        }
        try {
            Merge.run(f.volume.engine, f.record, progress == null ? (d, t) -> { } : progress);
        } catch (dev.quiesce.spi.InvalidSnapshotException e) {
            throw new SnapshotException(NAME, name, "cannot merge: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SnapshotException(NAME, name, "merge stopped; call merge again to finish it: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes snapshot {@code name} to {@code target} as a Linux persistent exception store
     * (magic "SnAp", version 1; FORMAT.md), usable as the COW device of a kernel
     * {@code snapshot} target over the real origin, and returns the number of exceptions
     * written. Chunks the usage bitmap marked free are not exported, so the kernel reads
     * them from the origin; every block in use reads the same as through {@link Snapshot#open()}.
     */
    public long exportKernelStore(String name, BlockDevice target) throws SnapshotException {
        Found f;
        synchronized (this) {
            checkOpen();
            f = findReady(name);
            if (f == null) {
                throw new SnapshotException(NAME, name, "no such snapshot");
            }
        }
        try {
            return KernelExport.run(f.volume.engine, f.record, target);
        } catch (IOException e) {
            throw new SnapshotException(NAME, name, "export to " + target.name() + " failed: " + e.getMessage(), e);
        }
    }

    /** Bytes of copied data and usage bitmaps held in all stores now, for watching how full they are. */
    public synchronized long storeBytesUsed() {
        long bytes = 0;
        for (Volume v : volumes) {
            bytes += v.engine.allocator.used() * v.engine.geometry.chunkBytes();
        }
        return bytes;
    }

    /** Bytes the stores can hold for copies and bitmaps. */
    public synchronized long storeBytesCapacity() {
        long bytes = 0;
        for (Volume v : volumes) {
            bytes += v.engine.allocator.capacity() * v.engine.geometry.chunkBytes();
        }
        return bytes;
    }

    private record Found(Volume volume, SnapshotRecord record) {
    }

    private Found findReady(String name) {
        for (Volume v : volumes) {
            for (SnapshotRecord s : v.engine.snapshots()) {
                if (s.name.equals(name) && s.ready && !s.deleted) {
                    return new Found(v, s);
                }
            }
        }
        return null;
    }

    /** The engine behind snapshot or origin, for tests in this package. */
    synchronized CowEngine engineOf(DmsnapOrigin origin) {
        for (Volume v : volumes) {
            if (v.origin == origin) {
                return v.engine;
            }
        }
        return null;
    }

    @Override
    public synchronized void close() throws SnapshotException {
        if (closed) {
            return;
        }
        closed = true;
        for (DmsnapPending p : new ArrayList<>(inFlight.values())) {
            p.abort();
        }
        IOException failure = null;
        for (Volume v : volumes) {
            try {
                v.engine.close();
                if (v.ownsStore) {
                    v.store.close();
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new SnapshotException(NAME, null, "close failed: " + failure.getMessage(), failure);
        }
    }

    private void checkOpen() throws SnapshotException {
        if (closed) {
            throw new SnapshotException(NAME, null, "provider is closed");
        }
    }

    private String describeStore() {
        return storePath != null ? storePath.toString() : configuredStore.name();
    }

    @Override
    public String toString() {
        return "DmsnapProvider[" + describeStore() + "]";
    }
}
