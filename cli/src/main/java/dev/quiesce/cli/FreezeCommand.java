package dev.quiesce.cli;

import dev.quiesce.fs.fuse.MountException;
import dev.quiesce.fs.fuse.MountedFreezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce freeze DIR [-- COMMAND...]}: freezes a mounted image, runs COMMAND, thaws. */
@Dependent
@Command(name = "freeze", mixinStandardHelpOptions = true,
        description = {"Freeze a reference filesystem mounted by 'quiesce mount', through its",
            "control socket (fsfreeze cannot: FIFREEZE on FUSE is EOPNOTSUPP). The image",
            "then holds everything written before the freeze; nothing changes until the thaw.",
            "With COMMAND (after --): run it while frozen, renewing the lease, then thaw;",
            "the exit code is COMMAND's. Without: hold until Enter (or end of input),",
            "Ctrl-C, or --for. COMMAND must not write to DIR: its writes wait for the thaw,",
            "which waits for COMMAND, until --for (1h by default) ends the hold."})
public class FreezeCommand implements Callable<Integer> {
    /** Without --for, the longest the hold lasts (a COMMAND that writes to DIR would otherwise never end). */
    static final Duration DEFAULT_HOLD_BOUND = Duration.ofHours(1);

    @Inject Console console;

    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point.")
    Path dir;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "A command to run while frozen (after --).")
    List<String> command = new ArrayList<>();

    @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "The freeze lease, renewed every third of it while held (default: ${DEFAULT-VALUE}).")
    Duration lease;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long the freeze may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Hold at most this long: without COMMAND, then thaw; with COMMAND, then stop it,"
                    + " thaw and fail (default: 1h; without COMMAND, Enter ends it sooner).")
    Duration holdFor;

    /** The running COMMAND, if any. */
    private Process child;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        MountedFreezable target;
        try {
            target = MountedFreezable.of(dir);
        } catch (MountException e) {
            throw new CliException(ExitCode.NOT_FOUND, dir + ": no reference-filesystem mount there"
                    + " ('quiesce mount IMAGE " + dir + "' makes one)", e);
        }
        FreezeRequest request = new FreezeRequest("quiesce freeze (pid " + ProcessHandle.current().pid() + ")",
                lease, timeout);
        // Nothing in this process touches DIR while holding: a write from the freezing
        // thread would fail with EDEADLK (SPEC.md F11), and console output goes elsewhere.
        FreezeHandle handle = target.freeze(request);
        try (FreezeHandle h = handle) {
            ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "quiesce-freeze-heartbeat");
                t.setDaemon(true);
                return t;
            });
            try {
                long period = Math.max(1, lease.toMillis() / 3);
                beat.scheduleAtFixedRate(() -> renew(h, beat), period, period, TimeUnit.MILLISECONDS);
                console.err().printf("%s frozen in %s%n", dir, Sizes.millis(h.freezeDuration()));
                console.err().flush();
                int exit = command.isEmpty() ? hold() : runCommand();
                if (h.lapsed()) {
                    throw new CliException(ExitCode.SNAPSHOT_FAILED, dir + ": the freeze lease lapsed before the"
                            + " thaw; the filesystem was thawed early");
                }
                return exit;
            } finally {
                beat.shutdownNow();
            }
        } finally {
            console.err().printf("%s thawed%s%n", dir, handle.lapsed() ? " (the lease had lapsed)" : "");
            console.err().flush();
            reap();
        }
    }

    /**
     * Waits (bounded) for a COMMAND that was told to stop. Done after the thaw: a COMMAND
     * stuck writing to DIR cannot end before it (the kernel waits out a FUSE request
     * already sent), and its write then lands after the frozen state was taken.
     */
    private void reap() throws InterruptedException {
        Process p = child;
        if (p != null && p.isAlive() && !p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void renew(FreezeHandle h, ScheduledExecutorService beat) {
        try {
            h.renew();
        } catch (FreezeException gone) {
            // Lapsed or thawed: nothing left to renew; the caller reports a lapse.
            beat.shutdown();
        }
    }

    /** Without COMMAND: until --for, Enter (or end of input), or Ctrl-C. */
    private int hold() throws InterruptedException {
        AtomicBoolean entered = new AtomicBoolean();
        if (holdFor == null) {
            Thread input = new Thread(() -> {
                try {
                    for (int c = 0; c != '\n' && c >= 0; c = System.in.read()) {
                        continue;
                    }
                } catch (IOException e) {
                    // Unreadable input counts as its end.
                }
                entered.set(true);
            }, "quiesce-freeze-enter");
            input.setDaemon(true);
            input.start();
        }
        long deadline = System.nanoTime() + (holdFor != null ? holdFor : DEFAULT_HOLD_BOUND).toNanos();
        while (System.nanoTime() - deadline < 0 && !entered.get()) {
            if (console.cancelled()) {
                return ExitCode.INTERRUPTED;
            }
            Thread.sleep(50);
        }
        return ExitCode.OK;
    }

    /** With COMMAND: runs it, renewing meanwhile; stopped by --for (default 1h) or Ctrl-C. */
    private int runCommand() throws IOException, InterruptedException, CliException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        child = p;
        Duration bound = holdFor != null ? holdFor : DEFAULT_HOLD_BOUND;
        long deadline = System.nanoTime() + bound.toNanos();
        while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
            if (console.cancelled()) {
                p.destroy();
                return ExitCode.INTERRUPTED;
            }
            if (System.nanoTime() - deadline > 0) {
                p.destroy();
                throw new CliException(ExitCode.SNAPSHOT_FAILED, dir + ": " + String.join(" ", command)
                        + " still ran after " + bound + " (--for); stopped it and thawed");
            }
        }
        return p.exitValue();
    }
}
