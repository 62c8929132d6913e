package dev.quiesce.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module rules (issue 2) over every production class of Quiesce on the class path. */
class ModuleRulesTest {
    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("dev.quiesce");
    }

    @Test
    void theImportSeesEveryModuleOnTheClassPath() {
        for (String pkg : new String[] {"spi", "core", "tck", "fs", "dmsnap", "filecopy"}) {
            assertTrue(production.containPackage("dev.quiesce." + pkg),
                    "no production classes of dev.quiesce." + pkg + " were imported");
        }
    }

    @Test
    void spiDependsOnlyOnJava() {
        QuiesceRules.spiDependsOnlyOnJava("dev.quiesce").check(production);
    }

    @Test
    void pluginsDependOnlyOnSpiAndCore() {
        for (String plugin : QuiesceRules.PLUGINS) {
            QuiesceRules.pluginUsesOnlySpiAndCore("dev.quiesce", plugin).check(production);
        }
    }

    @Test
    void coreNeverDependsOnPluginsOrTheFilesystem() {
        QuiesceRules.coreNeverDependsOnModulesAboveIt("dev.quiesce").check(production);
    }

    @Test
    void noCyclesBetweenModules() {
        QuiesceRules.noCyclesBetweenModules("dev.quiesce").check(production);
    }
}
