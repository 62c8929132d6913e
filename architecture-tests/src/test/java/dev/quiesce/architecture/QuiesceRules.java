package dev.quiesce.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * The module rules of Quiesce, written over a root package so that the same rules can be
 * checked against the real code ({@code dev.quiesce}) and against deliberately broken
 * fixtures ({@code dev.quiesce.archfixture}) to prove they fail.
 */
final class QuiesceRules {
    /** Plugins: each may use the SPI, the core, Java and its own libraries, never another module. */
    static final List<String> PLUGINS = List.of("dmsnap", "filecopy", "lvm");
    /** Modules the core must never depend on. */
    static final List<String> ABOVE_CORE = List.of("dmsnap", "filecopy", "lvm", "fs", "tck", "cdi", "cli");

    private QuiesceRules() {
    }

    /** The SPI depends on nothing but the JDK's java.* packages. */
    static ArchRule spiDependsOnlyOnJava(String root) {
        return classes().that().resideInAPackage(root + ".spi..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", root + ".spi..", "")
                .because("the SPI is the one artifact every plugin and integrator shares; it must pull in nothing")
                .allowEmptyShould(false);
    }

    /** A plugin depends on spi, core and its own code among Quiesce's packages, nothing else of ours. */
    static ArchRule pluginUsesOnlySpiAndCore(String root, String plugin) {
        return noClasses().that().resideInAPackage(root + "." + plugin + "..")
                .should().dependOnClassesThat(resideInAPackage(root + "..")
                        .and(not(resideInAnyPackage(root + ".spi..", root + ".core..", root + "." + plugin + ".."))))
                .because("plugins are independent: spi and core are their only Quiesce dependencies")
                .allowEmptyShould(true);
    }

    /** The core never reaches up into a plugin, the filesystem or an integration module. */
    static ArchRule coreNeverDependsOnModulesAboveIt(String root) {
        String[] above = ABOVE_CORE.stream().map(m -> root + "." + m + "..").toArray(String[]::new);
        return noClasses().that().resideInAPackage(root + ".core..")
                .should().dependOnClassesThat().resideInAnyPackage(above)
                .because("the core is below every plugin and module")
                .allowEmptyShould(false);
    }

    /** No cycles between the top-level packages (one per module). */
    static ArchRule noCyclesBetweenModules(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles().allowEmptyShould(false);
    }
}
