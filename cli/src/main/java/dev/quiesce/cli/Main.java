package dev.quiesce.cli;

import dev.quiesce.cdi.QuiesceExtension;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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

    private Main() {
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
        try (container) {
            Console console = container.select(Console.class).get();
            console.connect(out, err);
            return commandLine(container, console).execute(args);
        } finally {
            out.flush();
            err.flush();
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
