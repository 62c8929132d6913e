package dev.quiesce.fs.fuse;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.ImageLock;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Dusk image mounted through FUSE (libfuse 2 via jnr-fuse), so every tool on the
 * machine can use it, with a control socket beside the image ({@code <image>.ctl}) for
 * freezing it ({@link MountedFreezable}) and for a clean unmount.
 *
 * <pre>{@code
 * try (FuseMount m = FuseMount.mount(Path.of("disk.img"), Path.of("/mnt/disk"), false)) {
 *     m.awaitUnmounted(Duration.ofHours(1));   // or until `quiesce umount /mnt/disk`, SIGTERM, Ctrl-C
 * }
 * FuseMount.umount(Path.of("/mnt/disk"));      // from another process; clears a dead mount too
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * A mount runs libfuse's multithreaded loop on its own thread. Whatever ends the loop
 * ({@link #close()}, an UNMOUNT request, {@code fusermount -u}, JVM shutdown on SIGTERM
 * or Ctrl-C) the same cleanup follows on that thread: the holds of the control channel
 * are released, files the kernel left open are closed, the filesystem is committed and
 * unmounted, the device closed, the socket removed. After SIGKILL the image is as the
 * last commit left it (Dusk is crash-safe) and the kernel keeps a dead mount
 * ("Transport endpoint is not connected"); the next {@link #mount} or {@link #umount}
 * of that directory clears it. Every wait is bounded.
 */
public final class FuseMount implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());
    private static final Duration MOUNT_BOUND = Duration.ofSeconds(30);
    private static final Duration UNMOUNT_BOUND = Duration.ofSeconds(60);
    /** The control socket of an image: beside it. */
    static final String SOCKET_SUFFIX = ".ctl";

    private final Path dir;
    private final Dusk fs;
    private final BlockDevice ownedDevice;
    private final ImageLock ownedLock;
    private final DuskFuse fuse;
    private final ControlServer control;
    private final CompletableFuture<Void> unmounted = new CompletableFuture<>();
    private final Thread loop;
    private final Thread shutdownHook;

    private FuseMount(Path dir, Dusk fs, BlockDevice ownedDevice, ImageLock ownedLock, Path socket,
                      MountOptions options, String fsName) throws IOException {
        this.dir = dir;
        this.fs = fs;
        this.ownedDevice = ownedDevice;
        this.ownedLock = ownedLock;
        this.control = new ControlServer(socket, fs, this::unmountForControl);
        long[] ids = ids();
        this.fuse = new DuskFuse(fs, options.readOnly(), ids[0], ids[1], control::isHolderThread);
        String[] args = {"-o", options.fuseOptions(fsName)};
        this.loop = new Thread(() -> run(args), "dusk-fuse " + dir);
        this.shutdownHook = new Thread(this::shutdown, "dusk-fuse-shutdown " + dir);
    }

    /** Mounts the Dusk image file {@code image} on the directory {@code dir}. */
    public static FuseMount mount(Path image, Path dir, boolean readOnly) throws IOException {
        return mount(image, dir, MountOptions.defaults().withReadOnly(readOnly));
    }

    /** Mounts the Dusk image file {@code image} on {@code dir}; its control socket goes beside the image. */
    public static FuseMount mount(Path image, Path dir, MountOptions options) throws IOException {
        Path img = image.toAbsolutePath().normalize();
        int bs = Dusk.probeBlockSize(img).orElseThrow(() -> new MountException(img.toString(),
                "not a Dusk image (no DSUP superblock); format it first"));
        FileBlockDevice device = FileBlockDevice.open(img, bs, options.readOnly());
        ImageLock lock = null;
        try {
            lock = ImageLock.acquire(img, options.readOnly());
            return start(device, lock, dir, controlSocketFor(img), options, img.toString());
        } catch (IOException | RuntimeException e) {
            device.close();
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /**
     * Mounts the Dusk filesystem on {@code device} (not closed by the mount: it stays the
     * caller's), with its control socket at {@code socket}.
     */
    public static FuseMount mount(BlockDevice device, Path dir, Path socket, MountOptions options) throws IOException {
        return start(device, null, dir, socket.toAbsolutePath(), options, "dusk:" + device.name());
    }

    /**
     * Mounts the Dusk filesystem on {@code device}, a view of the image file {@code image}
     * (for example a snapshot provider's origin over it, so writes keep its snapshots
     * exact), on {@code dir}. The mount shows as {@code image} in the kernel's mount table
     * and its control socket is beside it, so {@link #umount} and {@link MountedFreezable#of}
     * find it by {@code dir}. The device stays the caller's, who must also hold the image
     * against other mounts (fs-reference's {@code ImageLock}) until this mount ends.
     */
    public static FuseMount mountView(BlockDevice device, Path image, Path dir, MountOptions options)
            throws IOException {
        Path img = image.toAbsolutePath().normalize();
        return start(device, null, dir, controlSocketFor(img), options, img.toString());
    }

    /** {@code imageLock} non-null: the mount owns the device and the lock, and closes both at unmount. */
    private static FuseMount start(BlockDevice device, ImageLock imageLock, Path dir, Path socket,
                                   MountOptions options, String fsName) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new MountException(d.toString(), "no /dev/fuse on this machine (load the fuse module, or give the"
                    + " container the device)");
        }
        clearDeadMount(d);
        if (Mounts.at(d).isPresent()) {
            throw new MountException(d.toString(), "something is already mounted there: " + Mounts.at(d).get());
        }
        if (!Files.isDirectory(d)) {
            throw new MountException(d.toString(), "the mount point is not a directory");
        }
        Dusk fs = Dusk.mount(device, DuskOptions.defaults().withReadOnly(options.readOnly())
                .withCommitInterval(options.commitInterval()));
        FuseMount m;
        try {
            m = new FuseMount(d, fs, imageLock == null ? null : device, imageLock, socket, options, fsName);
        } catch (IOException | RuntimeException | Error e) {
            fs.close();
            throw e;
        }
        m.begin();
        return m;
    }

    private void begin() throws IOException {
        loop.setDaemon(true);
        loop.start();
        try {
            long deadline = System.nanoTime() + MOUNT_BOUND.toNanos();
            while (!fuse.initialized.await(20, TimeUnit.MILLISECONDS)) {
                if (unmounted.isDone() || System.nanoTime() > deadline) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (fuse.initialized.getCount() > 0) {
            Mounts.unmount(dir, true);
            awaitCleanup();
            throw new MountException(dir.toString(), "libfuse did not mount within " + MOUNT_BOUND.toSeconds()
                    + " s (see the log for libfuse's reason)", cleanupFailure().orElse(null));
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LOG.log(System.Logger.Level.INFO, "mounted " + fs.name() + " on " + dir + ", control socket " + control.socket());
    }

    private void run(String[] args) {
        Throwable failure = null;
        try {
            fuse.mount(dir, true, false, args);
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            control.stopListening();
            failure = cleanup(failure);
            if (failure == null) {
                unmounted.complete(null);
            } else {
                unmounted.completeExceptionally(failure);
            }
            control.close();
        }
    }

    /** After the FUSE loop ended: release holds, close leftover files, commit, close. */
    private Throwable cleanup(Throwable failure) {
        control.releaseHolds();
        fuse.releaseAll();
        try {
            fs.close();
        } catch (IOException | RuntimeException e) {
            failure = add(failure, e);
        }
        if (ownedDevice != null) {
            try {
                ownedDevice.close();
                ownedLock.close();
            } catch (IOException | RuntimeException e) {
                failure = add(failure, e);
            }
        }
        return failure;
    }

    private static Throwable add(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** The directory this is mounted on. */
    public Path mountPoint() {
        return dir;
    }

    /** The Unix-domain socket of the control channel. */
    public Path controlSocket() {
        return control.socket();
    }

    /** Whether the mount is still up. */
    public boolean isMounted() {
        return !unmounted.isDone();
    }

    /**
     * Waits until the mount ends (by {@link #close}, an unmount command, or shutdown), at
     * most {@code timeout}; true if it ended.
     */
    public boolean awaitUnmounted(Duration timeout) throws InterruptedException {
        try {
            unmounted.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    /**
     * Commits and unmounts. Refused while a freeze holds the filesystem (SPEC.md F13);
     * fails with {@link MountException} if the kernel reports the mount busy.
     */
    @Override
    public void close() throws IOException {
        if (unmounted.isDone()) {
            rethrowCleanupFailure();
            return;
        }
        if (fs.state() != FreezeState.THAWED) {
            throw new TargetFrozenException(dir.toString(), "cannot unmount a frozen filesystem; thaw it first");
        }
        Mounts.unmount(dir, false);
        awaitCleanup();
        removeHook();
        rethrowCleanupFailure();
    }

    private void unmountForControl() throws IOException {
        if (fs.state() != FreezeState.THAWED) {
            throw new TargetFrozenException(dir.toString(), "cannot unmount a frozen filesystem; thaw it first");
        }
        Mounts.unmount(dir, false);
        awaitCleanup();
        rethrowCleanupFailure();
    }

    /** JVM shutdown (SIGTERM, Ctrl-C): holds go, the mount goes even if busy, the filesystem is committed. */
    private void shutdown() {
        if (unmounted.isDone()) {
            return;
        }
        control.releaseHolds();
        try {
            Mounts.unmount(dir, true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "unmounting " + dir + " at shutdown", e);
        }
        try {
            awaitCleanup(); // the commit happens on the loop thread once the kernel let go
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "committing " + fs.name() + " at shutdown", e);
        }
    }

    private void awaitCleanup() throws IOException {
        try {
            unmounted.get(UNMOUNT_BOUND.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return; // reported by rethrowCleanupFailure
        } catch (TimeoutException e) {
            throw new MountException(dir.toString(), "the FUSE loop did not end within " + UNMOUNT_BOUND.toSeconds()
                    + " s of the unmount");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while unmounting " + dir);
        }
    }

    private Optional<Throwable> cleanupFailure() {
        if (!unmounted.isCompletedExceptionally()) {
            return Optional.empty();
        }
        try {
            unmounted.join();
            return Optional.empty();
        } catch (java.util.concurrent.CompletionException e) {
            return Optional.of(e.getCause());
        }
    }

    private void rethrowCleanupFailure() throws IOException {
        Optional<Throwable> f = cleanupFailure();
        if (f.isPresent()) {
            if (f.get() instanceof IOException) {
                throw (IOException) f.get();
            }
            throw new MountException(dir.toString(), "unmount finished with an error", f.get());
        }
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already running hooks; ours returns at once since the mount is gone.
        }
    }

    // ---- other processes' mounts ----

    /** The control socket of the image file {@code image}. */
    public static Path controlSocketFor(Path image) {
        Path img = image.toAbsolutePath().normalize();
        return img.resolveSibling(img.getFileName() + SOCKET_SUFFIX);
    }

    /** The control socket of the Dusk mount at {@code dir}, from the kernel's mount table. */
    static Path controlSocketOf(Path dir) throws IOException {
        Mounts.Entry e = Mounts.at(dir).filter(Mounts.Entry::isDusk).orElseThrow(() -> new MountException(
                dir.toString(), "no Dusk FUSE mount there"));
        return controlSocketFor(Path.of(e.source()));
    }

    /**
     * Unmounts the Dusk mount at {@code dir}: a live one through its control channel
     * (committed; refused while frozen), a dead one (its process was killed) by a lazy
     * unmount. Returns false if nothing was mounted there.
     */
    public static boolean umount(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Optional<Mounts.Entry> e = Mounts.at(d);
        if (e.isEmpty()) {
            return false;
        }
        if (!e.get().isDusk()) {
            throw new MountException(d.toString(), "not a Dusk mount: " + e.get());
        }
        if (clearDeadMount(d)) {
            return true;
        }
        Path image = Path.of(e.get().source());
        MountedFreezable.of(controlSocketFor(image)).unmount();
        awaitImageReleased(image);
        return true;
    }

    /**
     * Waits until the process that served the mount has let go of its image, so that the
     * next command on the image does not find it still locked: the mount process answers
     * the unmount once the filesystem is committed, but may still be closing what it
     * mounted through (a dmsnap origin and its store) for a moment after.
     */
    private static void awaitImageReleased(Path image) throws IOException {
        long deadline = System.nanoTime() + UNMOUNT_BOUND.toNanos();
        while (true) {
            // A shared probe: it waits out a read-write mount's exclusive lock, never another
            // read-only mount of the same image.
            try (ImageLock probe = ImageLock.acquire(image, true)) {
                return;
            } catch (java.nio.file.AccessDeniedException | java.nio.file.NoSuchFileException cannotProbe) {
                return; // nothing this process could lock, so nothing it could be refused later either
            } catch (java.nio.file.FileSystemException stillHeld) {
                if (System.nanoTime() > deadline) {
                    throw new MountException(image.toString(), "unmounted, but the image is still locked "
                            + UNMOUNT_BOUND.toSeconds() + " s later (another process holds it)", stillHeld);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for " + image + " to be released");
            }
        }
    }

    /** Clears a dead Dusk mount at {@code dir} (and its stale socket); true if there was one. */
    private static boolean clearDeadMount(Path dir) throws IOException {
        Optional<Mounts.Entry> e = Mounts.at(dir);
        if (e.isEmpty() || !e.get().isDusk() || !Mounts.isDead(dir)) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "clearing the dead mount at " + dir + " (its process was killed)");
        Mounts.unmount(dir, true);
        Path socket = controlSocketFor(Path.of(e.get().source()));
        if (Mounts.isSocket(socket)) {
            Files.deleteIfExists(socket);
        }
        return true;
    }

    private static long[] ids() throws IOException {
        Path self = Path.of("/proc/self");
        return new long[] {((Number) Files.getAttribute(self, "unix:uid")).longValue(),
            ((Number) Files.getAttribute(self, "unix:gid")).longValue()};
    }

    @Override
    public String toString() {
        return "dusk mount of " + fs.name() + " on " + dir;
    }
}
