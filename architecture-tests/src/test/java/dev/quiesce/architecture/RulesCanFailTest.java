package dev.quiesce.architecture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.quiesce.archfixture.core.CoreReachingIntoPlugin;
import dev.quiesce.archfixture.cyclea.CycleA;
import dev.quiesce.archfixture.cycleb.CycleB;
import dev.quiesce.archfixture.dmsnap.PluginReachingIntoOtherPlugin;
import dev.quiesce.archfixture.filecopy.OtherPlugin;
import dev.quiesce.archfixture.spi.CleanSpi;
import dev.quiesce.archfixture.spi.SpiUsingJunit;
import org.junit.jupiter.api.Test;

/**
 * Every module rule, evaluated against deliberately violating classes from this module's
 * test sources (root {@code dev.quiesce.archfixture}), must report the violation; and
 * against a clean set, none. A rule that cannot fail proves nothing.
 */
class RulesCanFailTest {
    private static final String ROOT = "dev.quiesce.archfixture";

    private static JavaClasses classes(Class<?>... types) {
        return new ClassFileImporter().importClasses(types);
    }

    private static void assertViolated(EvaluationResult result, String mustMention) {
        assertTrue(result.hasViolation(), "the rule missed a deliberate violation");
        assertTrue(result.getFailureReport().toString().contains(mustMention), result.getFailureReport().toString());
    }

    @Test
    void spiRuleCatchesAForeignDependency() {
        assertViolated(QuiesceRules.spiDependsOnlyOnJava(ROOT).evaluate(classes(SpiUsingJunit.class, CleanSpi.class)),
                "SpiUsingJunit");
        assertFalse(QuiesceRules.spiDependsOnlyOnJava(ROOT).evaluate(classes(CleanSpi.class)).hasViolation());
    }

    @Test
    void pluginRuleCatchesAPluginUsingAnother() {
        JavaClasses set = classes(PluginReachingIntoOtherPlugin.class, OtherPlugin.class);
        assertViolated(QuiesceRules.pluginUsesOnlySpiAndCore(ROOT, "dmsnap").evaluate(set), "OtherPlugin");
        assertFalse(QuiesceRules.pluginUsesOnlySpiAndCore(ROOT, "filecopy").evaluate(set).hasViolation());
    }

    @Test
    void coreRuleCatchesCoreUsingAPlugin() {
        assertViolated(QuiesceRules.coreNeverDependsOnModulesAboveIt(ROOT)
                .evaluate(classes(CoreReachingIntoPlugin.class, OtherPlugin.class)), "CoreReachingIntoPlugin");
    }

    @Test
    void cycleRuleCatchesACycle() {
        assertViolated(QuiesceRules.noCyclesBetweenModules(ROOT).evaluate(classes(CycleA.class, CycleB.class)),
                "Cycle");
        assertFalse(QuiesceRules.noCyclesBetweenModules(ROOT)
                .evaluate(classes(CycleA.class, CleanSpi.class)).hasViolation());
    }
}
