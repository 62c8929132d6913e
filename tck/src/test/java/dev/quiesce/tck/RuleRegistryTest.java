package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps SPEC.md, the {@link Rule} registry and the kits' test methods equal, so that no
 * rule can be added without a test and no test can drift from its rule.
 */
class RuleRegistryTest {

    private static final Map<Rule.Contract, Class<?>> KITS = Map.of(
            Rule.Contract.BLOCK_DEVICE, BlockDeviceKit.class,
            Rule.Contract.FREEZABLE, FreezableKit.class,
            Rule.Contract.SNAPSHOT_PROVIDER, SnapshotProviderKit.class);

    @Test
    void theRegistryIsExactlySpecMd() throws IOException {
        Path spec = Path.of("..", "spi", "SPEC.md");
        assertTrue(Files.exists(spec), "SPEC.md not found at " + spec.toAbsolutePath());
        Map<String, String> inSpec = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\*\\*([DFSC]\\d+)\\*\\* (MUST|SHOULD)").matcher(Files.readString(spec));
        while (m.find()) {
            inSpec.put(m.group(1), m.group(2));
        }
        Map<String, String> inRegistry = new LinkedHashMap<>();
        for (Rule r : Rule.values()) {
            inRegistry.put(r.name(), r.strength().name());
        }
        assertEquals(inSpec, inRegistry, "SPEC.md rules (id, strength) vs the Rule registry");
    }

    @Test
    void everyKitRuleHasExactlyOneTestAndEveryTestItsRule() {
        for (Map.Entry<Rule.Contract, Class<?>> kit : KITS.entrySet()) {
            Map<Rule, List<String>> tests = new EnumMap<>(Rule.class);
            for (Method method : kit.getValue().getDeclaredMethods()) {
                if (!method.isAnnotationPresent(org.junit.jupiter.api.Test.class)) {
                    continue;
                }
                Rule rule = Rule.ofTestName(method.getName()).orElseThrow(() -> new AssertionError(
                        kit.getValue().getSimpleName() + "." + method.getName() + " is not named after a rule"));
                assertEquals(kit.getKey(), rule.contract(), method.getName() + " checks a rule of another contract");
                tests.computeIfAbsent(rule, r -> new ArrayList<>()).add(method.getName());
            }
            Set<Rule> expected = Rule.of(kit.getKey());
            Set<Rule> covered = tests.isEmpty() ? EnumSet.noneOf(Rule.class) : EnumSet.copyOf(tests.keySet());
            assertEquals(expected, covered, kit.getValue().getSimpleName() + ": rules vs tests");
            tests.forEach((rule, names) -> assertEquals(1, names.size(), rule + " has several tests: " + names));
        }
    }

    @Test
    void reportJsonEscapesAndCounts() {
        Map<Rule, KitReporter.Outcome> results = new EnumMap<>(Rule.class);
        results.put(Rule.F1, new KitReporter.Outcome(KitReporter.Status.PASSED, "F1_x", null));
        results.put(Rule.F2, new KitReporter.Outcome(KitReporter.Status.FAILED, "F2_y", "said \"no\"\n"));
        results.put(Rule.F15, new KitReporter.Outcome(KitReporter.Status.NOT_APPLICABLE, "F15_z", "no bitmap"));
        String json = KitReporter.json("subject", "FreezableKit", 7, results);
        assertTrue(json.contains("\"F2\": {\"strength\": \"MUST\", \"status\": \"FAILED\", \"test\": \"F2_y\", "
                + "\"reason\": \"said \\\"no\\\"\\n\"}"), json);
        assertTrue(json.contains("\"PASSED\": 1, \"FAILED\": 1, \"NOT_APPLICABLE\": 1, \"NOT_RUN\": 0"), json);
    }
}
