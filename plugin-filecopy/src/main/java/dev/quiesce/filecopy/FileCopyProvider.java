package dev.quiesce.filecopy;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ProviderBusyException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.UnsupportedSourceException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code filecopy} provider: one snapshot directory, one technique ({@link CutMethod}).
 * Each snapshot is a record file plus an image (SPEC.md S1-S14):
 * <ul>
 *   <li>S4/S5: prepare looks the name up first: same source resolves to the existing
 *       snapshot, another source is a conflict; a name being prepared is busy.</li>
 *   <li>S7: a failed or aborted cut removes every file it made; the record is written
 *       only after a successful cut, and removed again by an abort before complete.</li>
 *   <li>S9: the cut only reads the source (or splits a mirror's replica off).</li>
 *   <li>S12: the source is checked before anything is created.</li>
 * </ul>
 * Opening a provider removes what a process that died mid-snapshot left in the
 * directory (partial images, temporary records, cuts never published), so one process
 * should own a snapshot directory at a time.
 *
 * <p>Threading: records are read and written under {@code lock}; cuts of different names
 * run in parallel.
 */
final class FileCopyProvider implements SnapshotProvider {
    private final SnapshotStore store;
    private final CutMethod method;
    private final Object lock = new Object();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    private FileCopyProvider(SnapshotStore store, CutMethod method) {
        this.store = store;
        this.method = method;
    }

    static FileCopyProvider open(Settings settings) throws SnapshotException {
        try {
            Files.createDirectories(settings.directory());
        } catch (FileSystemException e) {
            throw new FileCopyConfigurationException(Settings.DIRECTORY, "cannot create snapshot directory "
                    + settings.directory() + ": " + e.getReason(), e);
        } catch (IOException e) {
            throw new FileCopyConfigurationException(Settings.DIRECTORY, "cannot create snapshot directory "
                    + settings.directory(), e);
        }
        if (!Files.isDirectory(settings.directory())) {
            throw new FileCopyConfigurationException(Settings.DIRECTORY, settings.directory() + " is not a directory");
        }
        SnapshotStore store = new SnapshotStore(settings.directory());
        int removed = store.sweepLeftovers();
        if (removed > 0) {
            ImageFiles.LOG.log(System.Logger.Level.INFO, () -> settings.directory() + ": removed " + removed
                    + " file(s) left by an interrupted snapshot");
        }
        CutMethod method = switch (settings.technique()) {
            case FULL_COPY -> new FullCopy(store, settings.skipFreeBlocks());
            case REFLINK -> new Reflink(store, settings.commandTimeout());
            case SPLIT_MIRROR -> new SplitMirror(store);
            case COPY_ON_WRITE -> throw new FileCopyConfigurationException(Settings.TECHNIQUE, "not offered");
        };
        return new FileCopyProvider(store, method);
    }

    @Override
    public String name() {
        return FileCopyProviderFactory.NAME;
    }

    @Override
    public Capabilities capabilities() {
        return method.capabilities();
    }

    @Override
    public boolean supports(SnapshotSource source) {
        return method.unsupportedReason(source).isEmpty();
    }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        if (!request.options().isEmpty()) {
            String key = request.options().keySet().iterator().next();
            throw new FileCopyConfigurationException(key, "unknown request option; filecopy takes none");
        }
        String name = request.name();
        SnapshotSource source = request.source();
        synchronized (lock) {
            Optional<SnapshotRecord> existing = store.read(name);
            if (existing.isPresent()) {
                if (!existing.get().sourceId().equals(source.id())) {
                    throw new SnapshotNameConflictException(name(), name, existing.get().sourceId(), source.id());
                }
                return new ResolvedPending(request, new ImageSnapshot(existing.get()));
            }
            Optional<String> unsupported = method.unsupportedReason(source);
            if (unsupported.isPresent()) {
                throw new UnsupportedSourceException(name(), source.id(), unsupported.get());
            }
            if (!inFlight.add(name)) {
                throw new ProviderBusyException(name(), name, "a snapshot of this name is being made");
            }
        }
        try {
            return new Pending(request, method.prepare(request, store.file(name, SnapshotStore.IMAGE_SUFFIX)));
        } catch (SnapshotException | RuntimeException e) {
            inFlight.remove(name);
            throw e;
        }
    }

    @Override
    public List<Snapshot> list() throws SnapshotException {
        synchronized (lock) {
            return new ArrayList<>(store.list().stream().map(ImageSnapshot::new).toList());
        }
    }

    @Override
    public Optional<Snapshot> find(String name) throws SnapshotException {
        SnapshotRequest.checkName(name);
        synchronized (lock) {
            return store.read(name).map(ImageSnapshot::new);
        }
    }

    @Override
    public void delete(String name) throws SnapshotException {
        SnapshotRequest.checkName(name);
        synchronized (lock) {
            Optional<SnapshotRecord> record = store.read(name);
            if (record.isEmpty()) {
                return;
            }
            method.delete(record.get());
            store.deleteRecord(name);
        }
    }

    @Override
    public void close() {
        // Snapshots persist in the directory; mirrors belong to whoever opened them.
    }

    /** A repeated request for an existing snapshot (S4): every step returns it, abort leaves it. */
    private static final class ResolvedPending implements PendingSnapshot {
        private final SnapshotRequest request;
        private final Snapshot snapshot;

        ResolvedPending(SnapshotRequest request, Snapshot snapshot) {
            this.request = request;
            this.snapshot = snapshot;
        }

        @Override public SnapshotRequest request() { return request; }
        @Override public Snapshot cut() { return snapshot; }
        @Override public Snapshot complete() { return snapshot; }
        @Override public void abort() { }
    }

    private enum Step { PREPARED, CUT, COMPLETE, ABORTED }

    private final class Pending implements PendingSnapshot {
        private final SnapshotRequest request;
        private final CutMethod.Work work;
        private final String id = UUID.randomUUID().toString();
        private volatile boolean abortRequested;
        private Step step = Step.PREPARED;
        private ImageSnapshot snapshot;

        Pending(SnapshotRequest request, CutMethod.Work work) {
            this.request = request;
            this.work = work;
        }

        @Override
        public SnapshotRequest request() {
            return request;
        }

        @Override
        public synchronized Snapshot cut() throws SnapshotException {
            require(Step.PREPARED, "cut");
            try {
                Instant at = Instant.now();
                Path image = work.cut(() -> abortRequested);
                BlockDevice device = request.source().device();
                SnapshotRecord record = new SnapshotRecord(id, request.name(), request.source().id(),
                        method.capabilities().technique(), image, device.blockSize(), device.blockCount(), at, false);
                synchronized (lock) {
                    store.write(record);
                }
                snapshot = new ImageSnapshot(record);
                step = Step.CUT;
                return snapshot;
            } catch (SnapshotException | RuntimeException e) {
                abortNow();
                throw e;
            }
        }

        @Override
        public synchronized Snapshot complete() throws SnapshotException {
            if (step == Step.COMPLETE) {
                return snapshot;
            }
            require(Step.CUT, "complete");
            try {
                work.complete();
                SnapshotRecord ready = snapshot.record().asReady();
                synchronized (lock) {
                    store.write(ready);
                }
                snapshot = new ImageSnapshot(ready);
                step = Step.COMPLETE;
                inFlight.remove(request.name());
                return snapshot;
            } catch (SnapshotException | RuntimeException e) {
                abortNow();
                throw e;
            }
        }

        @Override
        public void abort() {
            abortRequested = true;
            synchronized (this) {
                if (step != Step.COMPLETE && step != Step.ABORTED) {
                    abortNow();
                }
            }
        }

        private void abortNow() {
            step = Step.ABORTED;
            try {
                work.abort();
                synchronized (lock) {
                    store.deleteRecord(request.name());
                }
            } catch (SnapshotException e) {
                ImageFiles.warnElsewhere("abort of '" + request.name() + "' left its record", e);
            } finally {
                inFlight.remove(request.name());
            }
        }

        private void require(Step expected, String what) throws SnapshotException {
            if (step != expected) {
                throw new SnapshotException(name(), request.name(), "cannot " + what + ": snapshot is " + step);
            }
        }
    }
}
