package dev.quiesce.cli;

import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.tck.FreezableSubject;
import dev.quiesce.tck.Rule;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code quiesce kit PLUGIN.jar}: runs the conformance kit on a vendor's plugin without a
 * line of test code. The jar gets its own class loader; every
 * {@code SnapshotProviderFactory} it registers is run through the SnapshotProvider kit
 * by the JUnit Platform launcher, against scratch file-backed sources.
 */
@Dependent
@Command(name = "kit", mixinStandardHelpOptions = true,
        description = {"Run the conformance kits on a plugin jar: SPEC.md S1-S14 on every SnapshotProviderFactory it",
            "registers, F1-F16 on every dev.quiesce.tck.FreezableSubject it registers (a service class with a",
            "public no-argument constructor, each instance a fresh target). Prints the rule table, writes the",
            "JSON report, exits 1 if any rule failed.",
            "Configuration values may say {scratch}: a fresh empty directory per kit test,",
            "e.g. --config directory={scratch} (filecopy) or --config store={scratch}/cow (dmsnap)."})
public class KitCommand implements Callable<Integer> {
    @Inject Console console;

    @Parameters(index = "0", paramLabel = "PLUGIN.jar", description = "The plugin jar to check.")
    Path jar;

    @Option(names = "--source", paramLabel = "DIR",
            description = "Directory for the kit's scratch source images (e.g. on btrfs to check reflink); "
                    + "default: a temporary directory.")
    Path source;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A provider setting (repeatable).")
    Map<String, String> configuration = new LinkedHashMap<>();

    @Option(names = "--report", paramLabel = "DIR", defaultValue = "tck-report",
            description = "Where the JSON report goes (default: ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--provider", paramLabel = "NAME", description = "Only the provider of this name.")
    String only;

    @Option(names = "--iterations", paramLabel = "N",
            description = "Rounds of each Freezable race test (default: the kit's, 10000).")
    Integer iterations;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new NoSuchFileException(jar.toString());
        }
        if (source != null && !Files.isDirectory(source)) {
            throw new CliException(ExitCode.USAGE, "--source must be an existing directory; the kit writes its "
                    + "scratch source images there: " + source);
        }
        PrintWriter out = console.out();
        Path scratch = Files.createTempDirectory("quiesce-kit-");
        Path sources = source == null ? scratch : Files.createTempDirectory(source, "quiesce-kit-sources-");
        try (PluginClassLoader loader = new PluginClassLoader(jar, KitCommand.class.getClassLoader())) {
            List<SnapshotProviderFactory> factories = factories(loader);
            List<ServiceLoader.Provider<FreezableSubject>> freezables = only != null ? List.of() : freezables(loader);
            if (factories.isEmpty() && freezables.isEmpty()) {
                throw new CliException(ExitCode.NOT_FOUND, jar + " registers no snapshot provider "
                        + (only != null ? "named '" + only + "' " : "")
                        + "(META-INF/services/dev.quiesce.spi.SnapshotProviderFactory) and no Freezable subject "
                        + "(META-INF/services/dev.quiesce.tck.FreezableSubject)");
            }
            boolean anyFailed = false;
            for (SnapshotProviderFactory factory : factories) {
                KitTarget target = new KitTarget(factory, configuration, scratch, sources);
                out.println("== " + factory.name() + " (" + factory.getClass().getName() + ") from " + jar);
                try {
                    target.tryCreate();
                } catch (Exception e) {
                    throw new CliException(ExitCode.USAGE, "provider '" + factory.name() + "' cannot be created with "
                            + "configuration " + configuration + ": " + e.getMessage()
                            + "; its keys: " + factory.configurationKeys().keySet(), e);
                }
                PluginProviderKit.target = target;
                try {
                    anyFailed |= printTable(out, run(PluginProviderKit.class, Rule.Contract.SNAPSHOT_PROVIDER,
                            factory.name(), loader));
                } finally {
                    PluginProviderKit.target = null;
                }
                out.println("report: " + reportDir.resolve("kit-" + factory.name() + ".json").toAbsolutePath());
            }
            for (ServiceLoader.Provider<FreezableSubject> subject : freezables) {
                String name = subject.type().getSimpleName();
                out.println("== " + name + " (" + subject.type().getName() + ") from " + jar);
                PluginFreezableKit.subjects = subject::get;
                PluginFreezableKit.name = name;
                try {
                    anyFailed |= printTable(out, run(PluginFreezableKit.class, Rule.Contract.FREEZABLE, name, loader));
                } finally {
                    PluginFreezableKit.subjects = null;
                }
                out.println("report: " + reportDir.resolve("kit-" + name + ".json").toAbsolutePath());
            }
            return anyFailed ? ExitCode.CHECK_FAILED : ExitCode.OK;
        } finally {
            Directories.deleteTree(scratch);
            Directories.deleteTree(sources);
        }
    }

    private List<SnapshotProviderFactory> factories(ClassLoader loader) throws CliException {
        List<SnapshotProviderFactory> found = new ArrayList<>();
        try {
            for (SnapshotProviderFactory f : ServiceLoader.load(SnapshotProviderFactory.class, loader)) {
                if (only == null || only.equals(f.name())) {
                    found.add(f);
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new CliException(ExitCode.CHECK_FAILED, jar + ": its provider registration is broken: "
                    + e.getMessage(), e);
        }
        return found;
    }

    private List<ServiceLoader.Provider<FreezableSubject>> freezables(ClassLoader loader) throws CliException {
        try {
            return ServiceLoader.load(FreezableSubject.class, loader).stream().toList();
        } catch (ServiceConfigurationError e) {
            throw new CliException(ExitCode.CHECK_FAILED, jar + ": its Freezable subject registration is broken: "
                    + e.getMessage(), e);
        }
    }

    /** One rule's result in this run. */
    record Outcome(String status, String reason) {
    }

    private Map<Rule, Outcome> run(Class<?> kit, Rule.Contract contract, String subject, ClassLoader loader)
            throws IOException {
        Map<Rule, Outcome> outcomes = new EnumMap<>(Rule.class);
        int total = Rule.of(contract).size();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                rule(id).ifPresent(r -> record(r, new Outcome("NOT_APPLICABLE", reason)));
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                rule(id).ifPresent(r -> record(r, switch (result.getStatus()) {
                    case SUCCESSFUL -> new Outcome("PASSED", "");
                    case ABORTED -> new Outcome("NOT_APPLICABLE", message(result));
                    case FAILED -> new Outcome("FAILED", message(result));
                }));
            }

            private void record(Rule rule, Outcome outcome) {
                outcomes.put(rule, outcome);
                if (console.progress()) {
                    console.err().printf("kit %s: %s %s (%d/%d)%n", subject, rule, outcome.status(),
                            outcomes.size(), total);
                    console.err().flush();
                }
            }
        };
        Files.createDirectories(reportDir);
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(kit))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "false")
                .configurationParameter("quiesce.tck.reportDir", reportDir.toAbsolutePath().toString())
                // The rule table below is the summary; the kit's own end-of-run table would repeat it.
                .configurationParameter("quiesce.tck.summary", "false")
                .build();
        String previousReportDir = System.getProperty("quiesce.tck.reportDir");
        String previousIterations = System.getProperty("quiesce.stress.iterations");
        PrintStream previousOut = System.out;
        ByteArrayOutputStream kitOutput = new ByteArrayOutputStream();
        Thread thread = Thread.currentThread();
        ClassLoader previousLoader = thread.getContextClassLoader();
        try {
            System.setProperty("quiesce.tck.reportDir", reportDir.toAbsolutePath().toString());
            if (iterations != null) {
                System.setProperty("quiesce.stress.iterations", Integer.toString(iterations));
            }
            System.setOut(new PrintStream(kitOutput, true, StandardCharsets.UTF_8));
            Launcher launcher = LauncherFactory.create();
            thread.setContextClassLoader(loader);
            launcher.execute(request, listener);
        } finally {
            thread.setContextClassLoader(previousLoader);
            System.setOut(previousOut);
            restore("quiesce.tck.reportDir", previousReportDir);
            restore("quiesce.stress.iterations", previousIterations);
        }
        if (console.verbose()) {
            console.err().print(kitOutput.toString(StandardCharsets.UTF_8));
        }
        for (Rule rule : Rule.of(contract)) {
            outcomes.putIfAbsent(rule, new Outcome("NOT_RUN", "the kit has no test for it in this run"));
        }
        return outcomes;
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }

    private static java.util.Optional<Rule> rule(TestIdentifier id) {
        return id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .flatMap(m -> Rule.ofTestName(m.getMethodName()));
    }

    private static String message(TestExecutionResult result) {
        return result.getThrowable().map(t -> {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            String line = m.lines().findFirst().orElse(m);
            return line.length() > 150 ? line.substring(0, 147) + "..." : line;
        }).orElse("");
    }

    /** Prints the rule table; true if a rule failed. */
    private static boolean printTable(PrintWriter out, Map<Rule, Outcome> outcomes) {
        out.printf("%-5s %-8s %-15s %s%n", "RULE", "STRENGTH", "STATUS", "REASON");
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String s : List.of("PASSED", "FAILED", "NOT_APPLICABLE", "NOT_RUN")) {
            counts.put(s, 0);
        }
        outcomes.forEach((rule, o) -> {
            out.printf("%-5s %-8s %-15s %s%n", rule.name(), rule.strength(), o.status(), o.reason());
            counts.merge(o.status(), 1, Integer::sum);
        });
        out.printf("%d PASSED, %d FAILED, %d NOT_APPLICABLE, %d NOT_RUN%n", counts.get("PASSED"),
                counts.get("FAILED"), counts.get("NOT_APPLICABLE"), counts.get("NOT_RUN"));
        return counts.get("FAILED") > 0;
    }
}
