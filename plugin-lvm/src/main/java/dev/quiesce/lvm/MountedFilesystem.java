package dev.quiesce.lvm;

import dev.quiesce.core.freeze.FreezeHolds;
import dev.quiesce.core.host.MountTable;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A mounted Linux filesystem (ext4, xfs, btrfs, ...) frozen with the kernel's
 * FIFREEZE/FITHAW through util-linux {@code fsfreeze}.
 *
 * <h2>Contract (SPEC.md)</h2>
 * The kernel offers one userspace hold and no lease. {@link FreezeHolds} adds the rest:
 * several holders in this JVM share the kernel hold, which is released at the last thaw
 * (F7); each handle thaws once (F3, F4, F14); leases start when the freeze completes and
 * lapse (F8, F9). F1/F2/F10/F16 are the kernel's: {@code freeze_super} blocks writers,
 * drains them, syncs, and later wakes them; reads go on. F5/F6: a failed or late freeze
 * is undone before the caller hears of it.
 *
 * <h2>The hold never outlives its owner</h2>
 * The kernel hold is taken and kept by a small watchdog process ({@link FreezeWatchdog},
 * a JVM of the same JDK) that thaws when this JVM dies (its standard input closes, even on
 * SIGKILL), when this JVM stops sending heartbeats for longer than the longest lease
 * asked for (plus {@link #LEASE_MARGIN}, so that by then every hold in this JVM has lapsed
 * as well), or when told to. If the watchdog itself dies while frozen, this JVM thaws
 * directly.
 *
 * <h2>Block usage</h2>
 * For ext2/3/4 the hold carries the filesystem's block-usage bitmap, read from its own
 * bitmaps while frozen ({@link Ext4BlockUsage}; F15), in filesystem blocks over the
 * whole device.
 *
 * <h2>Errors</h2>
 * The kernel's refusals arrive as {@link KernelFreezeException} (EBUSY, EPERM, EINVAL)
 * or {@link dev.quiesce.spi.FreezeNotSupportedException} (EOPNOTSUPP: FUSE, tmpfs).
 *
 * <h2>Writes while frozen</h2>
 * Nothing here writes to the frozen filesystem or logs from a freezing thread: the
 * watchdog runs in {@code /}, and a failed thaw is logged from a separate thread.
 * F11 cannot be enforced here (writes go through the kernel, not through this class):
 * callers holding a freeze must not write to the mount themselves.
 */
public final class MountedFilesystem implements Freezable {
    /** Added to the watchdog's lease so it lapses only after every hold in the JVM did. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(2);
    private static final System.Logger LOG = System.getLogger(MountedFilesystem.class.getName());
    private static final List<String> BIN = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
    private static final Cleaner CLEANER = Cleaner.create();

    private final Path mountPoint;
    private final String type;
    private final String source;
    private final String fsfreeze;
    private final String sync;
    private final List<String> javaCommand;
    private final FreezeHolds holds;
    private final AtomicLong longestLeaseMillis = new AtomicLong();
    /** The watchdog, kept between freezes; closed when this object becomes unreachable. */
    private final WatchdogHolder watchdog = new WatchdogHolder();
    private volatile boolean frozenNow;
    private volatile long sessionLeaseMillis;
    private volatile String lastThawProblem;

    MountedFilesystem(Path mountPoint, String type, String source, String fsfreeze, List<String> javaCommand)
            throws IOException {
        this.mountPoint = mountPoint;
        this.type = type;
        this.source = source;
        this.fsfreeze = fsfreeze;
        this.sync = findTool("sync");
        this.javaCommand = List.copyOf(javaCommand);
        this.holds = new FreezeHolds(mountPoint.toString(), new KernelHold());
        CLEANER.register(this, watchdog);
    }

    /** Holds the current watchdog session; as a cleaning action it ends the watchdog. */
    private static final class WatchdogHolder implements Runnable {
        volatile WatchdogSession session;

        @Override
        public void run() {
            WatchdogSession current = session;
            if (current != null) {
                current.close();
            }
        }
    }

    /**
     * The filesystem mounted at {@code mountPoint}.
     *
     * @throws IllegalArgumentException if {@code mountPoint} is not a mount point (a
     *         freeze of any other path would freeze whatever filesystem contains it)
     * @throws IOException if the mount table or {@code fsfreeze} cannot be found
     */
    public static MountedFilesystem at(Path mountPoint) throws IOException {
        Objects.requireNonNull(mountPoint, "mountPoint");
        Path absolute = mountPoint.toAbsolutePath().normalize();
        MountTable.Mount mount = MountTable.at(absolute).orElseThrow(() -> new IllegalArgumentException(
                absolute + " is not a mount point; give the directory a filesystem is mounted on"));
        return new MountedFilesystem(absolute, mount.type(), mount.source(), findTool("fsfreeze"),
                watchdogJava());
    }

    /** The mount point it freezes. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The filesystem type from the mount table, e.g. {@code ext4}. */
    public String filesystemType() {
        return type;
    }

    @Override
    public String name() {
        return mountPoint.toString();
    }

    /**
     * Freezes the filesystem for {@code request.holder()}, or joins the freeze this JVM
     * already holds (F7).
     *
     * @throws KernelFreezeException if the kernel refused (EBUSY: frozen by somebody
     *         outside this JVM; EPERM: not root)
     * @throws dev.quiesce.spi.FreezeNotSupportedException if this filesystem cannot freeze
     * @throws dev.quiesce.spi.FreezeTimeoutException if the freeze did not complete in time;
     *         the watchdog undoes it once the kernel finishes
     */
    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        Objects.requireNonNull(request, "request");
        long leaseMillis = Math.max(1, request.lease().toMillis());
        longestLeaseMillis.accumulateAndGet(leaseMillis, Math::max);
        FreezeHandle handle = holds.freeze(request);
        WatchdogSession current = watchdog.session;
        if (current != null && frozenNow && leaseMillis > sessionLeaseMillis) {
            sessionLeaseMillis = leaseMillis;
            current.extendLease(watchdogLease(leaseMillis));
        }
        return handle;
    }

    @Override
    public FreezeState state() {
        return holds.state();
    }

    /** How many holds in this JVM share the kernel freeze now. */
    public int holders() {
        return holds.holders();
    }

    /**
     * F11 for writers in this JVM: throws if the calling thread holds a freeze of this
     * filesystem, since its write into the mount would wait for its own thaw forever.
     * Call it before writing to the mount from code that may hold a freeze.
     */
    public void checkMutationAllowed() throws TargetFrozenException {
        if (holds.frozenByCurrentThread()) {
            throw new TargetFrozenException(name(), "this thread holds a freeze of the filesystem; a write "
                    + "now would wait for its own thaw (F11)");
        }
    }

    /**
     * Unmounts the filesystem ({@code umount}, bounded by 60 s) and ends the watchdog.
     *
     * @throws TargetFrozenException while any hold is active (F13); nothing changes
     * @throws IOException if {@code umount} fails, with its message
     */
    public void unmount() throws IOException {
        if (holds.state() != FreezeState.THAWED) {
            throw new TargetFrozenException(name(), "cannot unmount while frozen (" + holds.holders()
                    + " holders); thaw first (F13)");
        }
        watchdog.run();
        Process process = new ProcessBuilder(List.of(findTool("umount"), mountPoint.toString()))
                .directory(Path.of("/").toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("umount " + mountPoint + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while unmounting " + mountPoint);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.exitValue() != 0) {
            if (out.contains("busy") && holds.state() != FreezeState.THAWED) {
                throw new TargetFrozenException(name(), "umount refused while frozen: " + out);
            }
            throw new IOException("umount " + mountPoint + " exited " + process.exitValue() + ": " + out);
        }
    }

    /** What went wrong at the last kernel thaw, if anything did (for status reports). */
    public Optional<String> lastThawProblem() {
        return Optional.ofNullable(lastThawProblem);
    }

    /** The watchdog process holding the kernel freeze now, if any (tests kill it). */
    Optional<Long> watchdogPid() {
        WatchdogSession current = watchdog.session;
        return current == null ? Optional.empty() : Optional.of(current.pid());
    }

    @Override
    public String toString() {
        return "MountedFilesystem[" + mountPoint + " (" + type + "), " + holds.state() + "]";
    }

    private static Duration watchdogLease(long leaseMillis) {
        return Duration.ofMillis(leaseMillis).plus(LEASE_MARGIN);
    }

    /** The real freeze and thaw, called by {@link FreezeHolds} under its lock. */
    private final class KernelHold implements FreezeHolds.Target {
        @Override
        public Optional<BlockUsage> freeze(Duration timeout) throws FreezeException, InterruptedException {
            long leaseMillis = longestLeaseMillis.get();
            WatchdogSession current = watchdog.session;
            if (current == null || !current.usable()) {
                current = WatchdogSession.start(name(), javaCommand, fsfreeze, sync, mountPoint.toString(),
                        MountedFilesystem.this::thawDirectly);
                watchdog.session = current;
            }
            current.freeze(timeout, watchdogLease(leaseMillis));
            sessionLeaseMillis = leaseMillis;
            frozenNow = true;
            return usage();
        }

        @Override
        public void thaw() {
            WatchdogSession ending = watchdog.session;
            frozenNow = false;
            longestLeaseMillis.set(0);
            String problem = ending == null ? "no watchdog held the freeze" : ending.thaw();
            if (problem != null && ending != null && !problem.startsWith("LAPSED") && !ending.orphaned()) {
                String direct = thawDirectly();
                if (direct != null) {
                    problem = problem + "; direct thaw: " + direct;
                }
            }
            lastThawProblem = problem;
            if (problem != null) {
                reportLater(problem);
            }
        }
    }

    /**
     * F15 for ext2/3/4 on a block device: the filesystem's own bitmaps, read while frozen
     * (reads never block then). Other types report none.
     */
    private Optional<BlockUsage> usage() {
        if (!type.matches("ext[234]") || !source.startsWith("/dev/")) {
            return Optional.empty();
        }
        return Ext4BlockUsage.read(Path.of(source));
    }

    /** FITHAW from this JVM, for when the watchdog is gone. Null on success. */
    private String thawDirectly() {
        try {
            Process process = new ProcessBuilder(List.of(fsfreeze, "-u", mountPoint.toString()))
                    .directory(Path.of("/").toFile())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "fsfreeze -u did not finish within 60 s";
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return process.exitValue() == 0 ? null : "fsfreeze -u exit " + process.exitValue() + ": " + out;
        } catch (IOException e) {
            return "cannot run fsfreeze -u: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while thawing directly";
        }
    }

    /**
     * Logs a thaw problem from a thread of its own: if the filesystem is still frozen and
     * the log lives on it, only that thread blocks.
     */
    private void reportLater(String problem) {
        Thread thread = new Thread(() -> LOG.log(System.Logger.Level.WARNING,
                mountPoint + ": thaw problem: " + problem), "quiesce-thaw-report");
        thread.setDaemon(true);
        thread.start();
    }

    static String findTool(String name) throws IOException {
        for (String dir : BIN) {
            Path place = Path.of(dir, name);
            if (Files.isExecutable(place)) {
                return place.toString();
            }
        }
        throw new IOException(name + " is not installed (util-linux / coreutils); looked in " + BIN);
    }

    /** The command that starts a watchdog JVM: this JDK, only this module on its class path. */
    static List<String> watchdogJava() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path classes;
        try {
            classes = Path.of(FreezeWatchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot locate the classes of " + FreezeWatchdog.class.getName(), e);
        }
        // No perf data file: /tmp may be the filesystem being frozen. Small and quick to start.
        return List.of(java.toString(), "-XX:-UsePerfData", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx32m", "-cp", classes.toString());
    }
}
