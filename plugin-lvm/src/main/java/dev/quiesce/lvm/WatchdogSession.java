package dev.quiesce.lvm;

import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeTimeoutException;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's side of one {@link FreezeWatchdog} process, which serves the kernel freezes
 * of one mount one after another. While frozen a daemon thread sends a heartbeat every
 * {@link #HEARTBEAT}; a reader thread collects the watchdog's answers. After a timeout,
 * an interrupt or a lapse the session is {@link #usable() no longer usable} and a new
 * one must be started.
 *
 * <p>Nothing here logs or touches the filesystem being frozen: the process runs in
 * {@code /}, and all traffic is over its pipes.
 */
final class WatchdogSession {
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final String EOF = "\u0000EOF";
    private static final Duration THAW_WAIT = Duration.ofSeconds(70);

    private final String target;
    private final Process process;
    private final OutputStream commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Runnable orphanThaw;
    private volatile boolean frozen;
    private volatile boolean closed;
    private volatile boolean ended;
    private volatile boolean orphaned;

    private WatchdogSession(String target, Process process, Runnable orphanThaw) {
        this.target = target;
        this.process = process;
        this.commands = process.getOutputStream();
        this.orphanThaw = orphanThaw;
    }

    /**
     * Starts the watchdog process; it does nothing until told to freeze. If the process
     * dies while the filesystem is frozen, {@code orphanThaw} runs (from the reader
     * thread) so that the kernel hold does not outlive its watchdog either.
     */
    static WatchdogSession start(String target, List<String> javaCommand, String fsfreeze, String sync,
                                 String mountPoint, Runnable orphanThaw) throws FreezeException {
        List<String> command = new ArrayList<>(javaCommand);
        command.add(FreezeWatchdog.class.getName());
        command.add(fsfreeze);
        command.add(sync);
        command.add(mountPoint);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(new File("/"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new FreezeException(target, "cannot start the freeze watchdog " + command, e);
        }
        WatchdogSession session = new WatchdogSession(target, process, orphanThaw);
        daemon(session::readAnswers, "quiesce-watchdog-reader " + mountPoint).start();
        return session;
    }

    /** Whether another freeze can be asked of this watchdog. */
    boolean usable() {
        return !closed && !ended && process.isAlive();
    }

    /**
     * Freezes within {@code timeout}; the watchdog thaws by itself if heartbeats stop for
     * {@code lease}. On a timeout or interrupt the watchdog is left to undo whatever the
     * kernel did and to exit, so the filesystem ends thawed.
     */
    void freeze(Duration timeout, Duration lease) throws FreezeException, InterruptedException {
        if (!usable()) {
            throw new FreezeException(target, "the freeze watchdog (pid " + process.pid() + ") is not running");
        }
        answers.clear();
        send("FREEZE " + timeout.toMillis() + " " + lease.toMillis());
        String answer;
        try {
            answer = answers.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            close();
            throw e;
        }
        if (answer == null || answer.equals("TIMEOUT")) {
            close();
            throw new FreezeTimeoutException(target, timeout);
        }
        if (answer.equals("FROZEN")) {
            frozen = true;
            daemon(() -> heartbeat(lease), "quiesce-watchdog-heartbeat " + target).start();
            return;
        }
        if (answer.startsWith("FAILED ")) {
            throw KernelFreezeException.fromFsfreeze(target, "freeze", answer.substring("FAILED ".length()));
        }
        close();
        throw new FreezeException(target, "the freeze watchdog (pid " + process.pid()
                + ") ended without freezing: " + (answer.equals(EOF) ? "it exited" : answer));
    }

    /** A longer lease for the watchdog (a later holder asked for more). */
    void extendLease(Duration lease) {
        trySend("LEASE " + lease.toMillis());
    }

    /**
     * Thaws; the watchdog stays for the next freeze. Never throws; returns null when
     * thawed, else what went wrong (the kernel's answer, or that the watchdog had thawed
     * on its own or died).
     */
    String thaw() {
        frozen = false;
        if (orphaned) {
            return "the freeze watchdog died while frozen; this JVM thawed directly";
        }
        if (!trySend("THAW")) {
            return "the freeze watchdog was gone before the thaw";
        }
        try {
            String answer = answers.poll(THAW_WAIT.toNanos(), TimeUnit.NANOSECONDS);
            if (answer == null) {
                close();
                return "the freeze watchdog did not answer the thaw within " + THAW_WAIT;
            }
            return answer.equals("THAWED") ? null : answer.equals(EOF) ? "the freeze watchdog exited" : answer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // Closing its input makes the watchdog thaw by itself.
            close();
            return "interrupted while waiting for the thaw; the watchdog thaws on its own";
        }
    }

    /** Whether the watchdog died while frozen and this JVM thawed in its place. */
    boolean orphaned() {
        return orphaned;
    }

    long pid() {
        return process.pid();
    }

    /** Ends the watchdog: closing its input makes it thaw (if frozen) and exit. */
    synchronized void close() {
        frozen = false;
        if (!closed) {
            closed = true;
            try {
                commands.close();
            } catch (IOException e) {
                // The watchdog is gone already; nothing is left to tell it.
            }
        }
    }

    private void heartbeat(Duration lease) {
        long interval = Math.max(50, Math.min(HEARTBEAT.toMillis(), lease.toMillis() / 4));
        while (frozen && !closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            if (frozen && !trySend("RENEW")) {
                return;
            }
        }
    }

    private void send(String line) throws FreezeException {
        if (!trySend(line)) {
            throw new FreezeException(target, "the freeze watchdog (pid " + process.pid() + ") is not running");
        }
    }

    private synchronized boolean trySend(String line) {
        if (closed) {
            return false;
        }
        try {
            commands.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            commands.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void readAnswers() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("LAPSED")) {
                    frozen = false;
                }
                answers.add(line);
            }
        } catch (IOException e) {
            // Same as end of output: the watchdog is gone.
        }
        ended = true;
        if (frozen) {
            frozen = false;
            orphaned = true;
            orphanThaw.run();
        }
        answers.add(EOF);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
