package dev.quiesce.lvm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code lvm <subcommand> ...} as an argument array (never through a shell), with
 * {@code LC_ALL=C} so that its messages can be classified, and with a bound on its time:
 * past it the command gets SIGTERM (LVM defers it out of its critical sections), and
 * SIGKILL if it still runs {@link #GRACE} later.
 */
final class LvmRunner {
    static final Duration GRACE = Duration.ofSeconds(10);

    private final String provider;
    private final Path lvm;
    private final Duration timeout;

    LvmRunner(String provider, Path lvm, Duration timeout) {
        this.provider = provider;
        this.lvm = lvm;
        this.timeout = timeout;
    }

    /** What a command printed. */
    record Output(String stdout, String stderr) { }

    Duration timeout() {
        return timeout;
    }

    /** {@link #run(String, List)} for commands whose standard output alone matters. */
    String stdout(String snapshot, List<String> args) throws LvmException {
        return run(snapshot, args).stdout();
    }

    /**
     * Runs {@code lvm args...} and returns what it printed.
     *
     * @throws LvmException when it cannot start, exits non-zero or overruns its bound;
     *         {@code snapshot} names what it was about (may be null)
     */
    Output run(String snapshot, List<String> args) throws LvmException {
        List<String> command = new ArrayList<>();
        command.add(lvm.toString());
        command.addAll(args);
        if (!Files.isExecutable(lvm)) {
            throw new LvmException(provider, snapshot, LvmException.Kind.LVM_MISSING, command, -1,
                    lvm + " is not installed (apt-get install lvm2)", null);
        }
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of("/").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().put("LC_ALL", "C");
            // The JVM's own descriptors are closed in the child; this only silences LVM's check.
            builder.environment().put("LVM_SUPPRESS_FD_WARNINGS", "1");
            process = builder.start();
        } catch (IOException e) {
            throw new LvmException(provider, snapshot, LvmException.Kind.LVM_MISSING, command, -1, e.toString(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                process.destroy();
                if (!process.waitFor(GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
                    process.destroyForcibly();
                }
                throw new LvmException(provider, snapshot, LvmException.Kind.TIMED_OUT, command, -1,
                        "no answer within " + timeout + "; stopped. " + collected(err), null);
            }
            String stdout = out.get(GRACE.toNanos(), TimeUnit.NANOSECONDS);
            String stderr = collected(err);
            if (process.exitValue() != 0) {
                String message = stderr.isBlank() ? stdout.strip() : stderr.strip();
                throw new LvmException(provider, snapshot, LvmException.classify(message), command, process.exitValue(), message, null);
            }
            return new Output(stdout, stderr);
        } catch (InterruptedException e) {
            // Leave LVM to finish its critical section; only stop waiting for it.
            Thread.currentThread().interrupt();
            throw new LvmException(provider, snapshot, LvmException.Kind.OTHER, command, -1,
                    "interrupted while waiting for LVM", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new LvmException(provider, snapshot, LvmException.Kind.OTHER, command, -1,
                    "cannot read LVM's output: " + e, e);
        }
    }

    private static String collected(CompletableFuture<String> stream) {
        try {
            return stream.get(GRACE.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("");
            }
        }, "lvm-output");
        thread.setDaemon(true);
        thread.start();
        return result;
    }
}
