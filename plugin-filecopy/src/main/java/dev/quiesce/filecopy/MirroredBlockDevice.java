package dev.quiesce.filecopy;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A block device kept in two files, a primary and a replica, written together: the
 * replica can be split off in constant time as a snapshot (the filecopy provider's
 * {@code split-mirror} technique), and rejoined later by copying only the regions that
 * changed meanwhile, as {@code lvconvert --splitmirrors --trackchanges} and
 * {@code --mergemirrors} do.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>Reads come from the primary. A write goes to both legs, the replica's on a
 *       helper thread in parallel with the primary's, and returns when both are done.</li>
 *   <li>A mirror log beside the primary ({@code <primary>.mirrorlog}, format in
 *       {@link RegionLog} and FORMAT.md) keeps the state and a bitmap of regions: before
 *       a write reaches a region, that region's bit is durable in the log; bits are
 *       cleared only after both legs were flushed. So after a crash at any point the
 *       replica equals the primary in every unmarked region, and the marked regions are
 *       resynced: never silently divergent.</li>
 *   <li>{@link #state()} {@code SPLIT}: the replica is a snapshot; writes go to the
 *       primary and mark their regions, which a rejoin resyncs.</li>
 *   <li>{@link #resync} copies the marked regions while the primary keeps taking writes:
 *       each region is copied under an exclusive region lock that writes to it wait for,
 *       and progress is reported as it goes.</li>
 * </ul>
 *
 * <h2>Contract (SPEC.md D1-D6)</h2>
 * Block size and count are the primary's (D1); transfers are checked before any byte
 * moves (D2); {@link #flush()} returns when every completed write is durable on both
 * legs (D3); reads return the primary's last completed write (D4).
 *
 * <h2>Threading</h2>
 * Safe for concurrent use (D6). Writes hold the mode lock shared and their region
 * stripes shared; split and rejoin take the mode lock exclusively (draining writes), a
 * resync takes one region stripe exclusively at a time.
 */
public final class MirroredBlockDevice implements BlockDevice {
    /**
     * Regions of 8 MiB: the unit a rejoin or a crash recovery resyncs (LVM's raid1 uses
     * 2 MiB, md's bitmap chunks are often 64 MiB); with the sequential lookahead of
     * {@link RegionMap} the log is written once per doubling run, not once per region.
     */
    public static final int DEFAULT_REGION_SIZE = 8 << 20;
    private static final System.Logger LOG = System.getLogger(MirroredBlockDevice.class.getName());
    private static final int STRIPES = 64;
    private static final int RESYNC_BATCH = 16;

    /** Opens or creates the device behind a replica path. */
    interface LegOpener {
        BlockDevice open(Path replica, boolean create) throws IOException;

        default void delete(Path replica) throws IOException {
            Files.deleteIfExists(replica);
        }
    }

    private final String name;
    private final BlockDevice primary;
    private final RegionLog log;
    private final RegionMap regions;
    private final LegOpener opener;
    private final ReentrantReadWriteLock mode = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];
    private final Object resyncLock = new Object();
    private final ExecutorService replicaWriter;
    private BlockDevice leg;
    private BlockDevice previousLeg;
    private volatile BlockDevice attached;
    private volatile boolean closed;

    MirroredBlockDevice(String name, BlockDevice primary, BlockDevice leg, RegionLog log, RegionLog.Image image,
                        LegOpener opener) {
        this.name = name;
        this.primary = primary;
        this.leg = leg;
        this.log = log;
        this.regions = new RegionMap(log, image);
        this.opener = opener;
        this.attached = regions.state() == MirrorState.SPLIT ? null : leg;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantReadWriteLock();
        }
        this.replicaWriter = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mirror-replica-writer " + name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sets up a mirror of the existing image {@code primary} onto {@code replica} and
     * returns it in state {@code RESYNCING}: call {@link #resync} to copy the image over.
     * A missing replica is created sparse; an existing one must have the primary's size.
     *
     * @throws MirrorException if the primary is not a regular file of whole blocks, the
     *         replica has another size, or a mirror log already exists; nothing is created
     */
    public static MirroredBlockDevice create(Path primary, Path replica, int blockSize) throws IOException {
        return create(primary, replica, blockSize, DEFAULT_REGION_SIZE);
    }

    /** As {@link #create(Path, Path, int)}, with a region size (a power of two, at least a block). */
    public static MirroredBlockDevice create(Path primary, Path replica, int blockSize, int regionSize)
            throws IOException {
        MirrorFiles.checkPrimary(primary, blockSize);
        if (regionSize < blockSize || Integer.bitCount(regionSize) != 1) {
            throw new IllegalArgumentException(primary + ": region size must be a power of two >= the block size "
                    + blockSize + ", was " + regionSize);
        }
        return MirrorFiles.create(primary.toAbsolutePath().normalize(), replica.toAbsolutePath().normalize(),
                blockSize, regionSize);
    }

    /**
     * Opens the mirror of {@code primary} from its log, resuming where it stood. After a
     * crash the regions the log marks come back as {@code RESYNCING}: call {@link #resync}
     * (writes may go on meanwhile; a split waits until the replica is in sync).
     *
     * @throws MirrorException if there is no log, it is corrupt, or the replica is missing
     *         or has the wrong size; nothing is changed
     */
    public static MirroredBlockDevice open(Path primary, int blockSize) throws IOException {
        MirrorFiles.checkPrimary(primary, blockSize);
        return MirrorFiles.open(primary.toAbsolutePath().normalize(), blockSize);
    }

    /** The mirror log kept beside {@code primary}. */
    public static Path logPath(Path primary) {
        return primary.resolveSibling(primary.getFileName() + ".mirrorlog");
    }

    public MirrorState state() {
        return regions.state();
    }

    /** The replica's path: the leg written now, or the split-off snapshot. */
    public Path replica() {
        return Path.of(regions.replica());
    }

    /** Regions still to copy to the replica (or, while split, changed since the split). */
    public long pendingRegions() {
        return regions.staleCount();
    }

    boolean isClosed() {
        return closed;
    }

    @Override public int blockSize() { return primary.blockSize(); }
    @Override public long blockCount() { return primary.blockCount(); }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return name; }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        BlockDevice.checkTransfer(this, block, dst);
        ensureOpen();
        primary.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        int blocks = BlockDevice.checkTransfer(this, block, src);
        ensureOpen();
        int first = region(block);
        int last = region(block + blocks - 1);
        mode.readLock().lock();
        try {
            // beginWrite counts the write in before it persists the intent, so a failed
            // log write is still counted out.
            regions.beginWrite(first, last);
            lockStripes(first, last, true);
            try {
                writeLegs(block, src, first, last);
            } finally {
                lockStripes(first, last, false);
            }
        } finally {
            regions.endWrite(first, last);
            mode.readLock().unlock();
        }
    }

    private void writeLegs(long block, ByteBuffer src, int first, int last) throws IOException {
        BlockDevice replica = attached;
        if (replica == null) {
            primary.write(block, src);
            return;
        }
        ByteBuffer copy = src.duplicate();
        Future<?> replicaWrite = replicaWriter.submit(() -> {
            replica.write(block, copy);
            return null;
        });
        IOException primaryFailure = null;
        try {
            primary.write(block, src);
        } catch (IOException e) {
            primaryFailure = e;
        }
        try {
            await(replicaWrite);
        } catch (IOException e) {
            // The primary has the data; the replica catches up in the next resync.
            regions.markStale(first, last);
            ImageFiles.warnElsewhere(name + ": replica write at block " + block + " failed; regions "
                    + first + ".." + last + " marked for resync", e);
        }
        if (primaryFailure != null) {
            regions.markStale(first, last);
            throw primaryFailure;
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        long[] candidates = regions.takeTouched();
        flushLegs(attached);
        regions.clearQuiet(candidates);
    }

    private void flushLegs(BlockDevice replica) throws IOException {
        if (replica == null) {
            primary.flush();
            return;
        }
        Future<?> replicaFlush = replicaWriter.submit(() -> {
            replica.flush();
            return null;
        });
        primary.flush();
        await(replicaFlush);
    }

    /**
     * Splits the replica off in constant time: drains writes, flushes both legs and
     * records the split. Afterwards the replica file is a stable image of the device.
     *
     * @throws MirrorException if the replica is not fully in sync
     */
    void split() throws IOException {
        mode.writeLock().lock();
        try {
            ensureOpen();
            if (regions.state() != MirrorState.MIRRORED) {
                throw new MirrorException(name, "cannot split: replica " + regions.replica() + " is "
                        + regions.state() + " with " + regions.staleCount() + " region(s) to resync");
            }
            flushLegs(attached);
            regions.split();
            attached = null;
        } finally {
            mode.writeLock().unlock();
        }
    }

    /** Takes the split replica back; the regions changed since the split are resynced by {@link #resync}. */
    void rejoin() throws IOException {
        mode.writeLock().lock();
        try {
            ensureOpen();
            if (leg == null) {
                throw new MirrorException(regions.replica(), "the split replica is gone; attach a new one");
            }
            regions.rejoin();
            attached = leg;
        } finally {
            mode.writeLock().unlock();
        }
    }

    /**
     * Leaves the split replica to its owner and mirrors onto a new, empty file
     * {@code newReplica} instead (state {@code RESYNCING}: every region to copy).
     */
    void attachNew(Path newReplica) throws IOException {
        mode.writeLock().lock();
        try {
            ensureOpen();
            if (regions.state() != MirrorState.SPLIT) {
                throw new MirrorException(name, "replica is " + regions.state() + ", not split");
            }
            BlockDevice fresh = opener.open(newReplica, true);
            try {
                regions.attachNew(newReplica.toString());
            } catch (IOException | RuntimeException e) {
                fresh.close();
                Files.deleteIfExists(newReplica);
                throw e;
            }
            if (previousLeg != null) {
                previousLeg.close();
            }
            previousLeg = leg;
            leg = fresh;
            attached = fresh;
        } finally {
            mode.writeLock().unlock();
        }
    }

    /**
     * Undoes {@link #attachNew}: the new replica is dropped and deleted, and the mirror is
     * split again from its previous replica, with every region marked changed (the
     * changes while the new one was attached were not tracked against the old one).
     */
    void detachNew(Path newReplica, Path previousReplica) throws IOException {
        mode.writeLock().lock();
        try {
            ensureOpen();
            regions.revertToSplit(previousReplica.toString());
            BlockDevice fresh = leg;
            leg = previousLeg;
            previousLeg = null;
            attached = null;
            if (fresh != null) {
                fresh.close();
            }
            opener.delete(newReplica);
        } finally {
            mode.writeLock().unlock();
        }
    }

    /**
     * Copies every marked region from the primary to the replica, while writes go on,
     * and reports progress to {@code progress} after each batch (and logs it). Regions
     * that already match are not rewritten, so a sparse replica stays sparse. Ends in
     * {@code MIRRORED}. Interruptible between regions; what was copied stays copied.
     */
    public ResyncProgress resync(Consumer<ResyncProgress> progress) throws IOException, InterruptedException {
        synchronized (resyncLock) {
            ensureOpen();
            BlockDevice replica = attached;
            if (replica == null) {
                return new ResyncProgress(0, 0, 0);
            }
            int total = regions.staleCount();
            int[] batch = new int[RESYNC_BATCH];
            int inBatch = 0;
            long done = 0;
            long copied = 0;
            ByteBuffer source = ByteBuffer.allocate(regions.regionSize());
            ByteBuffer target = ByteBuffer.allocate(regions.regionSize());
            for (int r = regions.nextStale(0); r >= 0; r = regions.nextStale(r + 1)) {
                if (Thread.interrupted()) {
                    throw new InterruptedException(name + ": resync interrupted after " + done + " of " + total + " regions");
                }
                copied += copyRegion(r, replica, source, target);
                batch[inBatch++] = r;
                if (inBatch == batch.length) {
                    done += commitBatch(replica, batch, inBatch);
                    inBatch = 0;
                    report(progress, new ResyncProgress(done, total, copied));
                }
            }
            done += commitBatch(replica, batch, inBatch);
            ResyncProgress result = new ResyncProgress(done, total, copied);
            report(progress, result);
            return result;
        }
    }

    private long copyRegion(int region, BlockDevice replica, ByteBuffer source, ByteBuffer target) throws IOException {
        long firstBlock = (long) region * regions.regionSize() / blockSize();
        int blocks = (int) Math.min(regions.regionSize() / blockSize(), blockCount() - firstBlock);
        source.clear().limit(blocks * blockSize());
        target.clear().limit(blocks * blockSize());
        ReentrantReadWriteLock.WriteLock lock = stripes[region % STRIPES].writeLock();
        mode.readLock().lock();
        lock.lock();
        try {
            primary.read(firstBlock, source);
            replica.read(firstBlock, target);
            if (source.flip().equals(target.flip())) {
                return 0;
            }
            replica.write(firstBlock, source);
            return (long) blocks * blockSize();
        } finally {
            lock.unlock();
            mode.readLock().unlock();
        }
    }

    private int commitBatch(BlockDevice replica, int[] batch, int count) throws IOException {
        if (count > 0) {
            flushLegs(replica);
            regions.clearStale(batch, count);
        }
        return count;
    }

    private void report(Consumer<ResyncProgress> progress, ResyncProgress now) {
        LOG.log(Level.DEBUG, () -> name + ": resync " + now.regionsDone() + "/" + now.regionsTotal() + " regions");
        if (progress != null) {
            progress.accept(now);
        }
    }

    /**
     * Flushes both legs, records a clean state and releases the files. The replica of a
     * split mirror is not touched: it belongs to its snapshot.
     */
    @Override
    public void close() throws IOException {
        mode.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            try {
                flush();
            } finally {
                closed = true;
                replicaWriter.shutdown();
                closeAll(primary, leg);
                if (previousLeg != null) {
                    previousLeg.close();
                }
                log.close();
            }
        } finally {
            mode.writeLock().unlock();
        }
    }

    private static void closeAll(BlockDevice primary, BlockDevice leg) throws IOException {
        try {
            primary.close();
        } finally {
            if (leg != null) {
                leg.close();
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(name + ": mirror is closed");
        }
    }

    private int region(long block) {
        return (int) (block * blockSize() / regions.regionSize());
    }

    private void lockStripes(int first, int last, boolean lock) {
        int count = Math.min(last - first + 1, STRIPES);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = (first + i) % STRIPES;
        }
        Arrays.sort(order);
        for (int i = 0; i < count; i++) {
            ReentrantReadWriteLock.ReadLock stripe = stripes[order[lock ? i : count - 1 - i]].readLock();
            if (lock) {
                stripe.lock();
            } else {
                stripe.unlock();
            }
        }
    }

    private static void await(Future<?> future) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    future.get();
                    return;
                } catch (InterruptedException e) {
                    // The write is already issued; finish waiting so no caller sees half a write.
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException("mirror leg failed", cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "MirroredBlockDevice[" + name + " -> " + regions.replica() + ", " + regions.state() + "]";
    }
}
