package dev.quiesce.fs;

import dev.quiesce.core.freeze.FreezeHolds;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Dusk: a crash-safe, Tux3-style filesystem over any {@link BlockDevice}.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * BlockDevice dev = new MemoryBlockDevice("vol", 4096, 65536);
 * Dusk.format(dev);                                           // or format(dev, FormatOptions.standard())
 * try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
 *     fs.mkdir("/docs");
 *     fs.writeFile("/docs/a.txt", "hello".getBytes());      // create or replace, then close
 *     try (DuskFile f = fs.open("/docs/a.txt")) { f.append(ByteBuffer.wrap(" world".getBytes())); f.fsync(); }
 *     try (FreezeHandle h = fs.freeze(FreezeRequest.of("backup"))) {
 *         BlockUsage used = h.blockUsage().orElseThrow();      // blocks the frozen image needs
 *         // cut a snapshot of dev here: it mounts (read-only too) as exactly this state
 *     }
 * }
 * try (Dusk snap = Dusk.mount(snapshotDevice, DuskOptions.defaults().withReadOnly(true))) {
 *     byte[] a = snap.readFile("/docs/a.txt");
 * }
 * FsckReport report = Dusk.fsck(snapshotDevice);               // report.isClean()
 * }</pre>
 * Paths are absolute, '/'-separated; names are 1-255 UTF-8 bytes without '/' or NUL.
 *
 * <h2>Design</h2>
 * Every change is bracketed into the current <em>delta</em> ({@link DeltaGate},
 * {@link Delta}); the front end ({@link Namespace}, {@link FileData}) only changes
 * caches. A committer thread ({@link Commit}) commits the previous delta while the front
 * end fills the next: it chooses physical blocks then (delayed allocation), writes data
 * to new places (redirect-on-write; only the two alternating superblocks are written in
 * place), logs allocations, frees and every inode, name, extent and orphan change as
 * compact records ({@link Log}), and writes the superblock as the commit point, sealed
 * so that one flush commits it ({@link CommitSeal}). The index (inode table, directory
 * and extent trees) and the bitmap change only in cache between rollups ({@link Index});
 * a {@link Rollup} writes them to new places; {@link Replay} rebuilds both at mount from
 * the last rollup and the log, checking every record. Dirty data past a threshold is
 * written ahead of its commit, its blocks chosen then ({@link Writeback}). Freed
 * blocks are reused only after the freeing commit ({@link Allocation}). Pages the
 * committer is writing are forked, not waited for ({@link BufferFork}). Space is
 * reserved up front ({@link SpaceAccounting}). The on-disk format is in
 * {@link DiskFormat} and FORMAT.md.
 *
 * <h2>Threading</h2>
 * All methods are safe for concurrent use. Front-end operations are serialized by one
 * volume lock; the committer takes it only to swap deltas and publish a commit. fsync
 * and sync commit the current delta; concurrent ones share one commit.
 *
 * <h2>Freezable (SPEC.md F1-F16)</h2>
 * {@link #freeze} closes the delta gate, waits for changes in flight, and commits them
 * with a clean rollup ({@link Rollup#clean}) so the frozen image has no log and mounts
 * without replay; the commit ends with a flush. It reports the bitmap as
 * {@link BlockUsage} (F15).
 * From then until the last thaw nothing is written (F2); reads go on
 * (F10), changes wait until the last thaw (F16), and a change from the thread holding
 * the freeze fails with {@link TargetFrozenException} (F11). Hold bookkeeping (F3-F9,
 * F12, F14) is {@link FreezeHolds}. {@link #close()} of a frozen filesystem is refused
 * (F13).
 */
public final class Dusk implements Freezable, AutoCloseable {
    static final long MIN_BLOCKS = 64;
    private static final int WRITE_CHUNK_BLOCKS = 256;

    private final Volume v;
    private final Commit commit;
    private final Allocation alloc;
    private final FreezeHolds holds;
    private final Replay.Result replay;
    private volatile boolean closed;

    private Dusk(Volume v, Commit commit, Allocation alloc, Replay.Result replay, FreezeHolds[] slot) {
        this.v = v;
        this.commit = commit;
        this.alloc = alloc;
        this.replay = replay;
        this.holds = new FreezeHolds(v.name, new Target());
        slot[0] = holds;
    }

    // ---- format, mount, unmount ----

    /** Formats the whole device with the device's block size: an empty root directory and nothing else. */
    public static void format(BlockDevice device) throws IOException {
        format(device, FormatOptions.defaults());
    }

    /**
     * Formats the whole device with {@code options}: an empty root directory and nothing
     * else.
     *
     * @throws IllegalArgumentException if the block size is not a multiple of the
     *         device's, or leaves fewer than 64 blocks; nothing is written then
     */
    public static void format(BlockDevice device, FormatOptions options) throws IOException {
        java.util.Objects.requireNonNull(options, "options");
        int bs = options.blockSize() == 0 ? device.blockSize() : options.blockSize();
        if (bs < FormatOptions.MIN_BLOCK_SIZE || bs > FormatOptions.MAX_BLOCK_SIZE || Integer.bitCount(bs) != 1) {
            throw new IllegalArgumentException(device.name() + ": the device's block size " + bs
                    + " is not one Dusk supports; choose a block size from " + FormatOptions.MIN_BLOCK_SIZE + " to "
                    + FormatOptions.MAX_BLOCK_SIZE + " bytes that is a multiple of it");
        }
        if (bs % device.blockSize() != 0) {
            throw new IllegalArgumentException(device.name() + ": block size " + bs + " is not a multiple of the"
                    + " device's block size " + device.blockSize());
        }
        BlockDevice view = GroupedBlockDevice.of(device, bs);
        Format.write(view, view.blockCount(), new SecureRandom().nextLong() | 1);
    }

    /**
     * Mounts the filesystem on {@code device}: picks the newer valid superblock, replays
     * the log since the last rollup (checking every record), and on a read-write mount
     * destroys orphans left by a crash.
     *
     * @throws CorruptFilesystemException if the image is not a valid Dusk filesystem
     */
    public static Dusk mount(BlockDevice device, DuskOptions options) throws IOException {
        boolean readOnly = options.readOnly() || device.isReadOnly();
        BlockDevice grouped = GroupedBlockDevice.forVolume(device);
        BlockDevice dev = readOnly ? grouped.readOnlyView() : new AdjacentWrites(grouped);
        Format.Chosen chosen = Format.readSuperblock(dev);
        Superblock sb = chosen.superblock();
        NodeStore store = new NodeStore(dev, sb.volumeId(), sb.blockCount(), options.nodeCacheLimit());
        Replay.Result replay = Replay.run(store, sb);
        Index index = replay.index();
        Published published = new Published(sb.seq(), index.itable(), index.orphans(),
                Math.max(0, sb.freeBlocks() - store.pinnedCount()), sb.inodeCount());
        DiskFormat.InodeRecord root = published.inode(store, Namespace.ROOT);
        if (root == null || root.attrs().type() != FileType.DIRECTORY) {
            throw new CorruptFilesystemException(dev.name(), sb.itable().block(), "the root directory (inode 1) is missing");
        }
        FreezeHolds[] holds = new FreezeHolds[1];
        DeltaGate gate = new DeltaGate(dev.name(), () -> holds[0] != null && holds[0].frozenByCurrentThread());
        Volume v = new Volume(dev.name(), dev, store, readOnly, options, gate, published, sb.nextInode());
        v.namespace = new Namespace(v);
        v.data = new FileData(v);
        Commit commit = new Commit(v, replay.allocation(), index, sb, chosen.copy(), sb.logCount() == 0);
        v.commit = commit;
        Dusk fs = new Dusk(v, commit, replay.allocation(), replay, holds);
        if (!readOnly) {
            commit.start();
            List<Long> orphans = new ArrayList<>();
            new BTree(store, DiskFormat.KIND_ORPHANS, index.orphans()).forEach(0, (k, val) -> {
                orphans.add(k);
                return true;
            });
            if (!orphans.isEmpty()) {
                v.change("/", 0, true, d -> {
                    for (long o : orphans) {
                        v.namespace.destroyIfUnused(d, o);
                    }
                    return null;
                });
                commit.commitAndWait(false);
            }
        }
        return fs;
    }

    /**
     * The block size recorded in the image file {@code image}, or empty if it does not
     * start like a Dusk image (a recogniser for tools and providers choosing how to open
     * a file; {@link #mount} checks everything else).
     */
    public static java.util.OptionalInt probeBlockSize(java.nio.file.Path image) throws IOException {
        if (!java.nio.file.Files.isRegularFile(image)) {
            return java.util.OptionalInt.empty();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(image,
                java.nio.file.StandardOpenOption.READ)) {
            return DiskFormat.probeBlockSize(ch);
        }
    }

    /** Checks the image on {@code device} without changing it (see {@link Fsck}). */
    public static FsckReport fsck(BlockDevice device) {
        return Fsck.check(device, FsckProgress.NONE);
    }

    /** Checks the image on {@code device} without changing it, telling {@code progress} how far it is. */
    public static FsckReport fsck(BlockDevice device, FsckProgress progress) {
        return Fsck.check(device, java.util.Objects.requireNonNull(progress, "progress"));
    }

    /** Commits everything and detaches; refused while frozen (F13). Same as {@link #close()}. */
    public void unmount() throws IOException {
        close();
    }

    @Override
    public void close() throws IOException {
        if (holds.state() != FreezeState.THAWED) {
            throw new TargetFrozenException(v.name, "cannot unmount a frozen filesystem; thaw it first (F13)");
        }
        if (closed) {
            return;
        }
        closed = true;
        if (!v.readOnly) {
            commit.stop();
        }
    }

    private void open() throws IOException {
        if (closed) {
            throw new FileSystemException(v.name, null, "filesystem is unmounted");
        }
    }

    // ---- files ----

    /** Creates a new empty file (fails if the name exists) and opens it. */
    public DuskFile create(String path) throws IOException {
        return create(path, 0644);
    }

    /**
     * Creates a new empty file with permission bits {@code mode} (fails if the name
     * exists) and opens it; the mode is set in the same change as the name, so the file
     * is never seen with other bits.
     *
     * @throws IllegalArgumentException if {@code mode} has bits outside {@code 07777}; nothing changes then
     */
    public DuskFile create(String path, int mode) throws IOException {
        open();
        checkMode(path, mode);
        Namespace.Inode i = v.change(path, cost(0), false, d -> {
            Namespace.Inode n = v.namespace.create(d, path, FileType.FILE, mode);
            n.open++;
            return n;
        });
        return new DuskFile(v, i.number, path);
    }

    /** Opens an existing file, following symlinks. */
    public DuskFile open(String path) throws IOException {
        open();
        long ino = v.read(() -> {
            long n = v.namespace.resolve(path, true);
            Namespace.Inode i = v.namespace.existing(n, path);
            if (i.attrs.type() != FileType.FILE) {
                throw new FileSystemException(path, null, "not a regular file (" + i.attrs.type() + ")");
            }
            i.open++;
            return n;
        });
        return new DuskFile(v, ino, path);
    }

    /** Creates or replaces {@code path} with {@code content}, in one delta when it fits one chunk. */
    public void writeFile(String path, byte[] content) throws IOException {
        DuskFile f;
        try {
            f = create(path);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            f = open(path);
            f.truncate(0);
        }
        try (DuskFile file = f) {
            file.write(0, ByteBuffer.wrap(content));
        }
    }

    /** The whole content of a file. */
    public byte[] readFile(String path) throws IOException {
        try (DuskFile f = open(path)) {
            long size = f.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new FileSystemException(path, null, "too large to read into one array: " + size);
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && f.read(b.position(), b) > 0) {
                continue;
            }
            return b.array();
        }
    }

    public void mkdir(String path) throws IOException {
        mkdir(path, 0755);
    }

    /**
     * Creates a directory with permission bits {@code mode}, set in the same change as
     * its name.
     *
     * @throws IllegalArgumentException if {@code mode} has bits outside {@code 07777}; nothing changes then
     */
    public void mkdir(String path, int mode) throws IOException {
        open();
        checkMode(path, mode);
        v.change(path, cost(0), false, d -> v.namespace.create(d, path, FileType.DIRECTORY, mode));
    }

    /** Removes an empty directory. */
    public void rmdir(String path) throws IOException {
        open();
        v.change(path, cost(0), true, d -> {
            v.namespace.rmdir(d, path);
            return null;
        });
    }

    /** Removes a name; the file lives on while open (an orphan) and is destroyed at the last close. */
    public void unlink(String path) throws IOException {
        open();
        v.change(path, cost(0), true, d -> {
            v.namespace.unlink(d, path);
            return null;
        });
    }

    /** Atomically renames, across directories, replacing an existing target (POSIX rename). */
    public void rename(String from, String to) throws IOException {
        open();
        v.change(from, cost(0), true, d -> {
            v.namespace.rename(d, from, to);
            return null;
        });
    }

    /** A new hard link {@code newPath} to the file at {@code existing}. */
    public void link(String existing, String newPath) throws IOException {
        open();
        v.change(newPath, cost(0), false, d -> {
            v.namespace.link(d, existing, newPath);
            return null;
        });
    }

    /** A symbolic link at {@code path} holding {@code target} (1-4095 bytes). */
    public void symlink(String target, String path) throws IOException {
        open();
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > Namespace.MAX_SYMLINK_LENGTH || target.indexOf('\0') >= 0) {
            throw new InvalidPathException(target, "a symlink target must be 1-" + Namespace.MAX_SYMLINK_LENGTH
                    + " bytes without NUL");
        }
        v.change(path, cost(bytes.length / v.blockSize + 1), false, d -> {
            Namespace.Inode i = v.namespace.create(d, path, FileType.SYMLINK, 0777);
            v.data.write(d, i, 0, ByteBuffer.wrap(bytes));
            return null;
        });
    }

    public String readlink(String path) throws IOException {
        open();
        return v.read(() -> {
            long n = v.namespace.resolve(path, false);
            if (v.namespace.existing(n, path).attrs.type() != FileType.SYMLINK) {
                throw new FileSystemException(path, null, "not a symbolic link");
            }
            return v.namespace.readlink(n);
        });
    }

    /**
     * Sets the permission bits of what {@code path} names, following symlinks (as POSIX
     * chmod does: a symlink's own mode is never used). The change time becomes now.
     *
     * @param mode permission bits, set-id and sticky bits included ({@code 07777} at most)
     * @throws IllegalArgumentException if {@code mode} has bits outside {@code 07777}; nothing changes then
     */
    public void chmod(String path, int mode) throws IOException {
        open();
        checkMode(path, mode);
        v.change(path, cost(0), false, d -> {
            Namespace.Inode i = v.namespace.existing(v.namespace.resolve(path, true), path);
            v.namespace.setAttrs(d, i, i.attrs.withMode(mode, v.now()));
            return null;
        });
    }

    /**
     * Sets the modification time of what {@code path} names (of a final symlink itself
     * unless {@code followLinks}); the change time becomes now, as POSIX utimensat says.
     * Dusk keeps no access time, so there is none to set.
     *
     * @param modifiedMillis milliseconds since the epoch, not negative (the inode record
     *        holds it unsigned)
     * @throws IllegalArgumentException if {@code modifiedMillis} is negative; nothing changes then
     */
    public void setTimes(String path, long modifiedMillis, boolean followLinks) throws IOException {
        open();
        if (modifiedMillis < 0) {
            throw new IllegalArgumentException(path + ": modification time " + modifiedMillis
                    + " ms is before 1970, which the inode record cannot hold");
        }
        v.change(path, cost(0), false, d -> {
            Namespace.Inode i = v.namespace.existing(v.namespace.resolve(path, followLinks), path);
            v.namespace.setAttrs(d, i, i.attrs.withModified(modifiedMillis, v.now()));
            return null;
        });
    }

    private static void checkMode(String path, int mode) {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException(path + ": mode " + Integer.toOctalString(mode)
                    + " has bits outside 07777");
        }
    }

    /** The names in a directory, sorted. */
    public List<String> readdir(String path) throws IOException {
        open();
        return v.read(() -> {
            long n = v.namespace.resolve(path, true);
            if (v.namespace.existing(n, path).attrs.type() != FileType.DIRECTORY) {
                throw new java.nio.file.NotDirectoryException(path);
            }
            return v.namespace.list(n);
        });
    }

    /** What {@code path} names (following symlinks), or empty if nothing. */
    public Optional<FileStat> lookup(String path) throws IOException {
        try {
            return Optional.of(stat(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Attributes of what {@code path} names, following symlinks. */
    public FileStat stat(String path) throws IOException {
        open();
        return v.read(() -> v.namespace.stat(v.namespace.resolve(path, true), path));
    }

    /** Attributes of {@code path} itself, not following a final symlink. */
    public FileStat lstat(String path) throws IOException {
        open();
        return v.read(() -> v.namespace.stat(v.namespace.resolve(path, false), path));
    }

    public FsStat statfs() throws IOException {
        open();
        return v.read(() -> new FsStat(v.blockSize, v.store.blockCount(), v.published.free(),
                v.space.available(v.current, v.published.free()), v.published.inodeCount()));
    }

    /** Commits everything changed so far and returns when it is durable. */
    public void sync() throws IOException {
        open();
        if (!v.readOnly) {
            commit.commitAndWait(false);
        }
    }

    /** Log blocks and records the mount replayed (for reports and the mount benchmark). */
    public long replayedRecords() {
        return replay.records();
    }

    Volume volume() {
        return v;
    }

    long cost(long dataBlocks) {
        return v.space.cost(dataBlocks, v.published.inodeCount());
    }

    static int writeChunkBlocks() {
        return WRITE_CHUNK_BLOCKS;
    }

    // ---- Freezable ----

    @Override
    public String name() {
        return v.name;
    }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        if (closed) {
            throw new FreezeException(v.name, "filesystem is unmounted");
        }
        return holds.freeze(request);
    }

    @Override
    public FreezeState state() {
        return holds.state();
    }

    /** The freeze itself, for {@link FreezeHolds}: gate, drain, commit with rollup, flush. */
    private final class Target implements FreezeHolds.Target {
        @Override
        public Optional<BlockUsage> freeze(Duration timeout) throws FreezeException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!v.gate.closeAndDrain(timeout.toNanos())) {
                throw new FreezeTimeoutException(v.name, timeout);
            }
            try {
                if (!v.readOnly) {
                    // One commit takes what changed and rolls up cleanly, so the frozen
                    // image has no log to replay; it ends with a flush (F1).
                    long n = commit.request(false, true);
                    if (!commit.await(n, deadline - System.nanoTime())) {
                        throw new FreezeTimeoutException(v.name, timeout);
                    }
                }
                return Optional.of(alloc.usage());
            } catch (IOException e) {
                v.gate.open();
                throw new FreezeException(v.name, "could not commit before freezing", e);
            } catch (FreezeException | InterruptedException | RuntimeException e) {
                v.gate.open();
                throw e;
            }
        }

        @Override
        public void thaw() {
            v.gate.open();
        }
    }
}
