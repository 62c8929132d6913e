package dev.quiesce.cli;

import dev.quiesce.cdi.QuiesceExtension;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;

/**
 * The {@code quiesce} entry point. The CLI is its own first integrator: it boots a Weld
 * SE container with {@link QuiesceExtension}, so every command gets its providers and the
 * snapshot facade by injection, exactly as an application would.
 */
public final class Main {
    /** Weld logs through java.util.logging; kept referenced so the level sticks. */
    private static final Logger WELD_LOG = Logger.getLogger("org.jboss.weld");
    /** jline (under the progress bar) warns on JUL when there is no terminal. */
    private static final Logger JLINE_LOG = Logger.getLogger("org.jline");
    /**
     * Quiesce's own records (the coordinator's freeze-window reports) stay off the
     * terminal unless --verbose: a command's result and its one-line error say it all.
     */
    static final Logger QUIESCE_LOG = Logger.getLogger("dev.quiesce");
    /** How long Ctrl-C waits for a command to thaw and clean up. */
    private static final long CLEANUP_SECONDS = 30;

    /** The consoles of the commands running in this JVM, for Ctrl-C. */
    private static final java.util.Set<Console> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Main() {
    }

    /** What Ctrl-C does: asks every running command to stop and clean up. */
    static void cancelRunning() {
        RUNNING.forEach(Console::cancel);
    }

    public static void main(String[] args) {
        int code = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        System.exit(code);
    }

    /**
     * Runs one command line and returns its exit code ({@link ExitCode}); what a test
     * calls to run the CLI in-process.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        WELD_LOG.setLevel(Level.WARNING);
        JLINE_LOG.setLevel(Level.OFF);
        QUIESCE_LOG.setLevel(Level.SEVERE);
        SeContainer container;
        try {
            container = SeContainerInitializer.newInstance()
                    .disableDiscovery()
                    .addExtensions(new QuiesceExtension())
                    .addBeanClasses(QuiesceCommand.BEANS)
                    .addProperty("org.jboss.weld.se.shutdownHook", false)
                    .initialize();
        } catch (RuntimeException e) {
            err.println("quiesce: cannot start: " + e.getMessage());
            err.flush();
            return ExitCode.INTERNAL;
        }
        CountDownLatch finished = new CountDownLatch(1);
        Thread onCtrlC = null;
        Console console = null;
        try (container) {
            console = container.select(Console.class).get();
            console.connect(out, err);
            RUNNING.add(console);
            onCtrlC = new Thread(() -> {
                // Ctrl-C: ask the command to stop, and give it time to thaw and clean up
                // before the JVM goes (it then exits with 130, as ExitCode.INTERRUPTED says).
                cancelRunning();
                try {
                    finished.await(CLEANUP_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "quiesce-ctrl-c");
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            return commandLine(container, console).execute(args);
        } finally {
            out.flush();
            err.flush();
            if (onCtrlC != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(onCtrlC);
                } catch (IllegalStateException shuttingDown) {
                    // Shutdown already began: the hook is waiting for the latch below.
                }
            }
            if (console != null) {
                RUNNING.remove(console);
            }
            finished.countDown();
        }
    }

    static CommandLine commandLine(SeContainer container, Console console) {
        ErrorReporter reporter = new ErrorReporter(console);
        CommandLine cli = new CommandLine(QuiesceCommand.class, new ContainerFactory(container));
        cli.setOut(console.out());
        cli.setErr(console.err());
        cli.setExecutionExceptionHandler(reporter);
        cli.setParameterExceptionHandler(reporter);
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : ExitCode.HELP) {
            int colon = entry.indexOf(':');
            codes.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        applyExitCodes(cli, codes);
        return cli;
    }

    private static void applyExitCodes(CommandLine cli, Map<String, String> codes) {
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        cli.getSubcommands().values().forEach(sub -> applyExitCodes(sub, codes));
    }

    /** Creates commands as CDI beans, so they get their dependencies injected. */
    private static final class ContainerFactory implements CommandLine.IFactory {
        private final SeContainer container;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        ContainerFactory(SeContainer container) {
            this.container = container;
        }

        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type.getName().startsWith("dev.quiesce.")) {
                Instance<K> bean = container.select(type);
                if (bean.isResolvable()) {
                    return bean.get();
                }
            }
            return fallback.create(type);
        }
    }
}
