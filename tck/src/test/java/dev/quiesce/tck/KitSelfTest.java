package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * The kit proves it can fail: every deliberately broken implementation runs through its
 * kit with {@link EngineTestKit} and must fail exactly the rule it is named after; the
 * flawless references must fail nothing; and every kit rule must be caught by at least
 * one fixture. The result goes to {@code target/tck-selftest.json}: rule to the fixtures
 * that caught it.
 */
class KitSelfTest {
    /** Race iterations inside fixtures: each flaw must show well within this many. */
    static final int FIXTURE_ITERATIONS = 1_000;

    private static final Map<Class<?>, Future<Set<Rule>>> RUNS = new java.util.LinkedHashMap<>();
    private static final Map<Rule, Set<String>> CAUGHT = new EnumMap<>(Rule.class);
    private static ExecutorService executor;

    static List<Class<? extends AbstractKit>> fixtures() {
        List<Class<? extends AbstractKit>> all = new ArrayList<>();
        all.add(FreezableFixtures.Flawless.class);
        all.addAll(FreezableFixtures.ALL);
        all.add(ProviderFixtures.Flawless.class);
        all.addAll(ProviderFixtures.ALL);
        all.add(DeviceFixtures.Flawless.class);
        all.addAll(DeviceFixtures.ALL);
        return all;
    }

    @BeforeAll
    static void runAllFixtures() {
        executor = Executors.newFixedThreadPool(4);
        for (Class<? extends AbstractKit> fixture : fixtures()) {
            RUNS.put(fixture, executor.submit(() -> failedRules(fixture)));
        }
    }

    /** Runs a fixture class through the Jupiter engine and returns the rules whose tests failed. */
    static Set<Rule> failedRules(Class<?> fixture) {
        long start = System.nanoTime();
        List<Event> all = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(fixture))
                .configurationParameter("quiesce.tck.reportDir", "target/tck-selftest-reports")
                .configurationParameter("quiesce.tck.summary", "false")
                .execute()
                .allEvents()
                .stream()
                .collect(java.util.stream.Collectors.toList());
        reportSlowTests(fixture, all);
        List<Event> failures = all.stream()
                .filter(e -> e.getType() == EventType.FINISHED)
                .filter(e -> e.getPayload(TestExecutionResult.class)
                        .map(r -> r.getStatus() == TestExecutionResult.Status.FAILED).orElse(false))
                .collect(java.util.stream.Collectors.toList());
        Set<Rule> rules = EnumSet.noneOf(Rule.class);
        for (Event e : failures) {
            Optional<Rule> rule = e.getTestDescriptor().getSource()
                    .filter(MethodSource.class::isInstance)
                    .map(s -> ((MethodSource) s).getMethodName())
                    .flatMap(Rule::ofTestName);
            if (rule.isEmpty()) {
                throw new AssertionError(fixture.getSimpleName() + ": a failure outside any rule test: "
                        + e.getTestDescriptor().getDisplayName() + " "
                        + e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable));
            }
            rules.add(rule.get());
        }
        System.out.printf("self-test: %s failed %s in %d ms%n", fixture.getSimpleName(), rules,
                (System.nanoTime() - start) / 1_000_000);
        return rules;
    }

    /** Names the tests of a fixture that took long, so a slow self-test can be traced. */
    private static void reportSlowTests(Class<?> fixture, List<Event> events) {
        Map<String, java.time.Instant> started = new java.util.HashMap<>();
        for (Event e : events) {
            String id = e.getTestDescriptor().getUniqueId().toString();
            if (e.getType() == EventType.STARTED) {
                started.put(id, e.getTimestamp());
            } else if (e.getType() == EventType.FINISHED && started.containsKey(id)
                    && e.getTestDescriptor().isTest()) {
                long ms = java.time.Duration.between(started.get(id), e.getTimestamp()).toMillis();
                if (ms > 3_000) {
                    System.out.printf("self-test: %s.%s took %d ms%n", fixture.getSimpleName(),
                            e.getTestDescriptor().getDisplayName(), ms);
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureFailsExactlyItsRule() {
        return fixtures().stream().map(fixture -> DynamicTest.dynamicTest(fixture.getSimpleName(), () -> {
            Set<Rule> failed = RUNS.get(fixture).get();
            Optional<Rule> target = Rule.ofTestName(fixture.getSimpleName());
            if (target.isEmpty()) {
                assertEquals(Set.of(), failed, "the flawless " + fixture.getName() + " must pass every rule");
                return;
            }
            if (failed.contains(target.get())) {
                synchronized (CAUGHT) {
                    CAUGHT.computeIfAbsent(target.get(), r -> new TreeSet<>()).add(fixture.getSimpleName());
                }
            }
            assertEquals(Set.of(target.get()), failed, fixture.getName() + " must fail exactly its rule");
        }));
    }

    @AfterAll
    static void writeReportAndCheckCoverage() throws IOException {
        executor.shutdownNow();
        StringBuilder json = new StringBuilder("{\n");
        String sep = "";
        Set<Rule> missed = EnumSet.noneOf(Rule.class);
        for (Rule rule : Rule.values()) {
            if (rule.contract() == Rule.Contract.COORDINATOR) {
                continue;
            }
            Set<String> by = CAUGHT.getOrDefault(rule, Set.of());
            if (by.isEmpty()) {
                missed.add(rule);
            }
            json.append(sep).append("  \"").append(rule).append("\": [");
            String inner = "";
            for (String f : by) {
                json.append(inner).append('"').append(f).append('"');
                inner = ", ";
            }
            json.append(']');
            sep = ",\n";
        }
        json.append("\n}\n");
        Path file = Path.of("target", "tck-selftest.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json, StandardCharsets.UTF_8);
        System.out.println("\n=== Quiesce kit self-test: " + CAUGHT.size() + " rules caught by a broken fixture, "
                + missed.size() + " missed " + missed + "; " + file.toAbsolutePath());
        assertTrue(missed.isEmpty(), "rules no broken fixture made fail: " + missed);
    }
}
