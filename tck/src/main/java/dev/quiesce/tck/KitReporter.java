package dev.quiesce.tck;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Collects each kit test's outcome under its rule and, after the class, writes
 * {@code <reportDir>/<subject>.json} and prints a summary. The directory is the JUnit
 * configuration parameter or system property {@code quiesce.tck.reportDir},
 * {@code target/tck-report} by default. Each subject also goes into the table
 * {@link KitSummaryListener} prints at the end of the run. The configuration parameter
 * {@code quiesce.tck.summary=false} silences both printouts (the report is still written).
 *
 * <p>JSON layout: {@code {"subject": s, "kit": k, "seed": n, "summary": {"PASSED": n,
 * "FAILED": n, "NOT_APPLICABLE": n, "NOT_RUN": n}, "rules": {"F1": {"strength": "MUST",
 * "status": "PASSED", "test": "F1_...", "reason": "..."}, ...}}}; {@code reason} is
 * present for FAILED (the failure message) and NOT_APPLICABLE (why).
 */
final class KitReporter implements TestWatcher, AfterAllCallback {

    /** The outcome of one rule in one run. */
    enum Status { PASSED, FAILED, NOT_APPLICABLE, NOT_RUN }

    record Outcome(Status status, String test, String reason) { }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KitReporter.class);

    @SuppressWarnings("unchecked")
    private static Map<Rule, Outcome> outcomes(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NS).getOrComputeIfAbsent("outcomes",
                k -> java.util.Collections.synchronizedMap(new EnumMap<Rule, Outcome>(Rule.class)), Map.class);
    }

    private static void record(ExtensionContext context, Status status, String reason) {
        Optional<Method> method = context.getTestMethod();
        if (method.isEmpty()) {
            return;
        }
        Optional<Rule> rule = Rule.ofTestName(method.get().getName());
        rule.ifPresent(r -> outcomes(context).put(r, new Outcome(status, method.get().getName(), reason)));
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, Status.PASSED, null);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, Status.FAILED, String.valueOf(cause));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        String why = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        record(context, Status.NOT_APPLICABLE, why.replaceFirst("^Assumption failed: ", ""));
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, Status.NOT_APPLICABLE, reason.orElse("disabled"));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Object instance = context.getTestInstance().orElse(null);
        if (!(instance instanceof AbstractKit kit)) {
            return;
        }
        Map<Rule, Outcome> results = new EnumMap<>(Rule.class);
        for (Rule rule : kit.rules()) {
            results.put(rule, new Outcome(Status.NOT_RUN, null, "not selected in this run"));
        }
        results.putAll(outcomes(context));
        String subject = kit.subjectName();
        String kitName = kitName(kit);
        String dir = context.getConfigurationParameter("quiesce.tck.reportDir")
                .orElse(System.getProperty("quiesce.tck.reportDir", "target/tck-report"));
        Path file = Path.of(dir)
                .resolve(subject.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json(subject, kitName, kit.seed(), results), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kit report " + file, e);
        }
        if (context.getConfigurationParameter("quiesce.tck.summary", Boolean::parseBoolean).orElse(true)) {
            printSummary(System.out, subject, kitName, results, file);
            addToRunSummary(subject, kitName, results, file);
        }
    }

    private static void addToRunSummary(String subject, String kitName, Map<Rule, Outcome> results, Path file) {
        Map<Status, Integer> counts = counts(results);
        KitSummaryListener.record(subject, kitName, counts.get(Status.PASSED) + " PASSED, " + counts.get(Status.FAILED)
                + " FAILED, " + counts.get(Status.NOT_APPLICABLE) + " NOT_APPLICABLE, " + counts.get(Status.NOT_RUN)
                + " NOT_RUN", file.toAbsolutePath().toString());
    }

    private static String kitName(AbstractKit kit) {
        Class<?> c = kit.getClass();
        while (c.getSuperclass() != AbstractKit.class && c.getSuperclass() != null) {
            c = c.getSuperclass();
        }
        return c.getSimpleName();
    }

    static Map<Status, Integer> counts(Map<Rule, Outcome> results) {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            counts.put(s, 0);
        }
        results.values().forEach(o -> counts.merge(o.status(), 1, Integer::sum));
        return counts;
    }

    static String json(String subject, String kit, long seed, Map<Rule, Outcome> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"subject\": ").append(quote(subject)).append(",\n  \"kit\": ").append(quote(kit))
                .append(",\n  \"seed\": ").append(seed).append(",\n  \"summary\": {");
        Map<Status, Integer> counts = counts(results);
        String sep = "";
        for (Map.Entry<Status, Integer> e : counts.entrySet()) {
            sb.append(sep).append(quote(e.getKey().name())).append(": ").append(e.getValue());
            sep = ", ";
        }
        sb.append("},\n  \"rules\": {");
        sep = "\n";
        for (Map.Entry<Rule, Outcome> e : results.entrySet()) {
            Outcome o = e.getValue();
            sb.append(sep).append("    ").append(quote(e.getKey().name())).append(": {\"strength\": ")
                    .append(quote(e.getKey().strength().name())).append(", \"status\": ")
                    .append(quote(o.status().name()));
            if (o.test() != null) {
                sb.append(", \"test\": ").append(quote(o.test()));
            }
            if (o.reason() != null) {
                sb.append(", \"reason\": ").append(quote(o.reason()));
            }
            sb.append("}");
            sep = ",\n";
        }
        return sb.append("\n  }\n}\n").toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static void printSummary(PrintStream out, String subject, String kit, Map<Rule, Outcome> results,
                                     Path file) {
        Map<Status, Integer> counts = counts(results);
        StringBuilder sb = new StringBuilder();
        sb.append("\n=== Quiesce conformance: ").append(subject).append(" (").append(kit).append(") ===\n");
        sb.append("    ").append(counts.get(Status.PASSED)).append(" PASSED, ").append(counts.get(Status.FAILED))
                .append(" FAILED, ").append(counts.get(Status.NOT_APPLICABLE)).append(" NOT_APPLICABLE, ")
                .append(counts.get(Status.NOT_RUN)).append(" NOT_RUN\n");
        for (Map.Entry<Rule, Outcome> e : results.entrySet()) {
            Outcome o = e.getValue();
            if (o.status() != Status.PASSED) {
                String reason = o.reason() == null ? "" : o.reason();
                if (reason.length() > 160) {
                    reason = reason.substring(0, 157) + "...";
                }
                sb.append("    ").append(e.getKey()).append(' ').append(e.getKey().strength()).append(' ')
                        .append(o.status()).append(": ").append(reason.replace('\n', ' ')).append('\n');
            }
        }
        sb.append("    report: ").append(file.toAbsolutePath()).append('\n');
        out.print(sb);
        out.flush();
    }
}
