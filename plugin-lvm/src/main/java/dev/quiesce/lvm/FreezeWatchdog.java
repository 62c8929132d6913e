package dev.quiesce.lvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The process that holds one kernel freeze of one mounted filesystem, so that the hold
 * can never outlive the JVM that asked for it. Started by {@link WatchdogSession} as
 * {@code java -cp <this jar> dev.quiesce.lvm.FreezeWatchdog <fsfreeze> <sync> <mount point>}.
 *
 * <h2>Why a separate process</h2>
 * FIFREEZE leaves the filesystem frozen until somebody calls FITHAW: the kernel knows no
 * owner and no lease. If the JVM that froze dies, nothing would ever thaw it. This
 * process thaws when any of these happens first:
 * <ul>
 *   <li>its standard input closes: the JVM that started it exited or was killed (the
 *       kernel closes the pipe even on SIGKILL);</li>
 *   <li>the lease lapses: the JVM stopped sending heartbeats (hung, stopped, or swapped
 *       out for longer than the lease);</li>
 *   <li>it is told to thaw.</li>
 * </ul>
 *
 * <h2>Protocol</h2>
 * One command per line on standard input, one answer per line on standard output:
 * <pre>
 *   FREEZE &lt;timeout ms&gt; &lt;lease ms&gt;  -&gt; FROZEN | FAILED &lt;exit&gt; &lt;message&gt; | TIMEOUT
 *   RENEW                              (heartbeat: deadline = now + lease; no answer)
 *   LEASE &lt;ms&gt;                         (new lease, deadline = now + lease; no answer)
 *   THAW                               -&gt; THAWED | THAW-FAILED &lt;exit&gt; &lt;message&gt;
 *   (lease lapsed on its own)          -&gt; LAPSED, then it exits
 * </pre>
 * One process serves the freezes of one mount one after another, so a freeze does not
 * pay for starting a JVM. After a timeout or a lapse it exits.
 *
 * <h2>Freezing in two steps</h2>
 * First {@code sync -f} flushes the filesystem while it is still thawed; only then does
 * {@code fsfreeze -f} enter the kernel's freeze, which now has little left to write. If
 * the flush cannot finish within the timeout (a device that does not complete writes),
 * the freeze is given up before the kernel blocked any writer, so the filesystem is
 * exactly as it was (F5, F6). A FIFREEZE that overruns cannot be taken back while the
 * kernel is in it: it is waited for and undone, so the filesystem always ends thawed.
 *
 * <p>It never writes to the frozen filesystem: it runs in {@code /}, the JVM is started
 * without perf data files, and everything it says goes to its pipes.
 */
final class FreezeWatchdog {
    private static final String EOF = "\u0000EOF";

    /** What a command left the watchdog to do next. */
    private enum Next { CONTINUE, EXIT }

    private final String fsfreeze;
    private final String sync;
    private final String mountPoint;
    private final PrintStream out;
    private final BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    private volatile boolean inputClosed;
    private boolean frozen;
    private long leaseNanos;
    private long deadline;

    private FreezeWatchdog(String fsfreeze, String sync, String mountPoint, PrintStream out) {
        this.fsfreeze = fsfreeze;
        this.sync = sync;
        this.mountPoint = mountPoint;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: FreezeWatchdog <fsfreeze command> <sync command> <mount point>");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        new FreezeWatchdog(args[0], args[1], args[2], out).run();
        System.exit(0);
    }

    private void run() throws InterruptedException {
        Thread reader = new Thread(this::readCommands, "watchdog-stdin");
        reader.setDaemon(true);
        reader.start();
        while (true) {
            String line = frozen
                    ? commands.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    : commands.take();
            if (line == null) {
                thaw("LAPSED");
                return;
            }
            if (line.equals(EOF)) {
                if (frozen) {
                    thaw(null);
                }
                return;
            }
            if (handle(line.trim().split(" ")) == Next.EXIT) {
                return;
            }
        }
    }

    private Next handle(String[] words) throws InterruptedException {
        switch (words[0]) {
            case "FREEZE":
                if (frozen) {
                    out.println("FAILED 16 already frozen by this watchdog");
                    return Next.CONTINUE;
                }
                return freeze(Long.parseLong(words[1]), Long.parseLong(words[2]));
            case "RENEW":
                deadline = System.nanoTime() + leaseNanos;
                return Next.CONTINUE;
            case "LEASE":
                leaseNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(words[1]));
                deadline = System.nanoTime() + leaseNanos;
                return Next.CONTINUE;
            case "THAW":
                if (frozen) {
                    thaw("THAWED");
                } else {
                    out.println("THAWED");
                }
                return Next.CONTINUE;
            default:
                out.println("FAILED 2 unknown command " + words[0]);
                return Next.CONTINUE;
        }
    }

    private Next freeze(long timeoutMillis, long leaseMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            Process flush = start(sync, "-f");
            while (!flush.waitFor(20, TimeUnit.MILLISECONDS)) {
                if (inputClosed) {
                    return Next.EXIT;
                }
                if (System.nanoTime() - end >= 0) {
                    // Nothing was frozen yet: giving up here leaves the filesystem as it was.
                    out.println("TIMEOUT");
                    return Next.EXIT;
                }
            }
        } catch (IOException e) {
            // Without sync the kernel's freeze flushes by itself; only slower.
        }
        if (inputClosed) {
            return Next.EXIT;
        }
        Process process;
        try {
            process = start(fsfreeze, "-f");
        } catch (IOException e) {
            out.println("FAILED 127 " + oneLine(e.toString()));
            return Next.CONTINUE;
        }
        if (!process.waitFor(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            out.println("TIMEOUT");
            // The kernel is inside the freeze: wait for it to finish, then undo it (F5).
            if (process.waitFor() == 0) {
                run("-u");
            }
            return Next.EXIT;
        }
        if (process.exitValue() != 0) {
            out.println("FAILED " + process.exitValue() + " " + output(process));
            return Next.CONTINUE;
        }
        frozen = true;
        if (inputClosed) {
            thaw(null);
            return Next.EXIT;
        }
        leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        deadline = System.nanoTime() + leaseNanos;
        out.println("FROZEN");
        return Next.CONTINUE;
    }

    private void thaw(String answer) {
        String failure = run("-u");
        frozen = false;
        if (answer != null) {
            out.println(failure == null ? answer : "THAW-FAILED " + failure);
        }
    }

    /** Runs {@code fsfreeze <flag> <mount point>}; null on success, else "exit message". */
    private String run(String flag) {
        try {
            Process process = start(fsfreeze, flag);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                return "124 fsfreeze " + flag + " did not finish within 60 s";
            }
            return process.exitValue() == 0 ? null : process.exitValue() + " " + output(process);
        } catch (IOException e) {
            return "127 " + oneLine(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "130 interrupted";
        }
    }

    private Process start(String program, String flag) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(program, flag, mountPoint))
                .directory(new java.io.File("/"))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        return builder.start();
    }

    private static String output(Process process) {
        try {
            return oneLine(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return oneLine(e.toString());
        }
    }

    private static String oneLine(String text) {
        return text.strip().replace('\n', ' ').replace('\r', ' ');
    }

    private void readCommands() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    commands.add(line);
                }
            }
        } catch (IOException e) {
            // A broken pipe means the same as end of input: the owner is gone.
        }
        inputClosed = true;
        commands.add(EOF);
    }
}
