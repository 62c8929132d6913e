package dev.quiesce.filecopy;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.ProviderBusyException;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The split-mirror technique: the source's device is a {@link MirroredBlockDevice}; the
 * cut splits its replica off (drain, flush, one log write: constant time) and the
 * replica file is the snapshot.
 *
 * <ul>
 *   <li>prepare: a mirror that is split with its replica owned by no snapshot rejoins
 *       (only the regions changed since the split are resynced); one whose replica is
 *       another snapshot gets a new replica {@code <name>.img} in the snapshot directory
 *       (a full resync). Either way the resync runs here, before the freeze, while the
 *       source keeps taking writes, and reports progress.</li>
 *   <li>delete: the replica rejoins its mirror when this provider still knows the mirror
 *       and the mirror still tracks it; otherwise the file is removed.</li>
 *   <li>abort after the cut: the replica rejoins at once, constant time.</li>
 * </ul>
 * One pending snapshot per mirror at a time; a second gets {@link ProviderBusyException}.
 */
final class SplitMirror implements CutMethod {
    private final SnapshotStore store;
    private final Map<String, MirroredBlockDevice> mirrors = new ConcurrentHashMap<>();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    SplitMirror(SnapshotStore store) {
        this.store = store;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.SPLIT_MIRROR, false, CutCost.CONSTANT, false);
    }

    @Override
    public Optional<String> unsupportedReason(SnapshotSource source) {
        if (!(source.device() instanceof MirroredBlockDevice mirror)) {
            return Optional.of("device " + source.device().name() + " of '" + source.id()
                    + "' is not a MirroredBlockDevice; open the image with MirroredBlockDevice.create or open");
        }
        return mirror.isClosed() ? Optional.of("mirror " + mirror.name() + " is closed") : Optional.empty();
    }

    @Override
    public Work prepare(SnapshotRequest request, Path image) throws SnapshotException {
        MirroredBlockDevice mirror = (MirroredBlockDevice) request.source().device();
        String sourceId = request.source().id();
        if (!busy.add(sourceId)) {
            throw new ProviderBusyException(FileCopyProviderFactory.NAME, request.name(),
                    "another snapshot of " + sourceId + " is being made from the same mirror");
        }
        Path previous = null;
        Path attached = null;
        try {
            mirrors.put(sourceId, mirror);
            if (mirror.state() == MirrorState.SPLIT) {
                if (store.imageHeld(mirror.replica(), request.name()) || !Files.exists(mirror.replica())) {
                    ImageFiles.requireSpace(store.directory(), request.name(), mirror.sizeBytes());
                    previous = mirror.replica();
                    // A rejoined replica may already carry this name's file name; never clobber it.
                    Path fresh = Files.exists(image) ? image.resolveSibling(request.name() + "-"
                            + UUID.randomUUID().toString().substring(0, 8) + SnapshotStore.IMAGE_SUFFIX) : image;
                    mirror.attachNew(fresh);
                    attached = fresh;
                } else {
                    mirror.rejoin();
                }
            }
            mirror.resync(progress -> {
                if (progress.regionsTotal() > 0) {
                    ImageFiles.LOG.log(Level.INFO, () -> mirror.name() + ": resync for snapshot '" + request.name()
                            + "' " + progress.regionsDone() + "/" + progress.regionsTotal() + " regions");
                }
            });
            return new Split(request, mirror, previous, attached);
        } catch (IOException e) {
            undoAttach(mirror, previous, attached, e);
            busy.remove(sourceId);
            throw new SnapshotException(FileCopyProviderFactory.NAME, request.name(),
                    "cannot bring the mirror of " + sourceId + " in sync", e);
        } catch (InterruptedException e) {
            undoAttach(mirror, previous, attached, e);
            busy.remove(sourceId);
            Thread.currentThread().interrupt();
            throw new SnapshotException(FileCopyProviderFactory.NAME, request.name(), "interrupted during resync", e);
        } catch (SnapshotException | RuntimeException e) {
            undoAttach(mirror, previous, attached, e);
            busy.remove(sourceId);
            throw e;
        }
    }

    /** Drops a replica this prepare attached, so that an aborted snapshot leaves no file. */
    private static void undoAttach(MirroredBlockDevice mirror, Path previous, Path attached, Exception failure) {
        if (attached == null) {
            return;
        }
        try {
            mirror.detachNew(attached, previous);
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                ImageFiles.warnElsewhere("cannot drop replica " + attached + " after abort", e);
            }
        }
    }

    @Override
    public void delete(SnapshotRecord record) throws SnapshotException {
        MirroredBlockDevice mirror = mirrors.get(record.sourceId());
        if (mirror != null && mirror.isClosed()) {
            mirrors.remove(record.sourceId(), mirror);
            mirror = null;
        }
        try {
            if (mirror != null && mirror.state() == MirrorState.SPLIT && mirror.replica().equals(record.image())) {
                mirror.rejoin();
                return;
            }
            if (mirror == null && trackedOnDisk(record)) {
                return;
            }
            Files.deleteIfExists(record.image());
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, record.name(), "cannot release replica "
                    + record.image(), e);
        }
    }

    /** Whether the mirror's own log (read without opening the mirror) still tracks this replica as split. */
    private static boolean trackedOnDisk(SnapshotRecord record) {
        Path log = MirroredBlockDevice.logPath(Path.of(record.sourceId()));
        if (!Files.isRegularFile(log)) {
            return false;
        }
        try (BlockDevice device = FileBlockDevice.open(log, record.blockSize(), true)) {
            RegionLog.Image image = RegionLog.read(device);
            return image.state() == MirrorState.SPLIT && Path.of(image.replica()).equals(record.image());
        } catch (IOException e) {
            // A log that cannot be read cannot vouch for the file; keep it rather than lose it.
            ImageFiles.warnElsewhere("cannot read mirror log " + log + "; keeping " + record.image(), e);
            return true;
        }
    }

    private final class Split implements Work {
        private final SnapshotRequest request;
        private final MirroredBlockDevice mirror;
        private final Path previous;
        private final Path attached;
        private boolean cut;

        Split(SnapshotRequest request, MirroredBlockDevice mirror, Path previous, Path attached) {
            this.request = request;
            this.mirror = mirror;
            this.previous = previous;
            this.attached = attached;
        }

        @Override
        public Path cut(Cancellation cancellation) throws SnapshotException {
            try {
                mirror.split();
                cut = true;
                return mirror.replica();
            } catch (IOException e) {
                throw new SnapshotException(FileCopyProviderFactory.NAME, request.name(), "cannot split the mirror of "
                        + request.source().id(), e);
            }
        }

        @Override
        public void complete() {
            // The split flushed both legs: the replica is already durable and final.
            busy.remove(request.source().id());
        }

        @Override
        public void abort() {
            try {
                if (attached != null) {
                    // The new replica was made for this snapshot alone: drop it, back to the previous split.
                    undoAttach(mirror, previous, attached, null);
                } else if (cut) {
                    mirror.rejoin();
                }
            } catch (IOException e) {
                ImageFiles.warnElsewhere("cannot rejoin " + mirror.replica() + " after abort", e);
            } finally {
                busy.remove(request.source().id());
            }
        }
    }
}
