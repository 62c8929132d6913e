package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KitCommandTest {
    @TempDir Path dir;

    static boolean row(String out, String rule, String status) {
        return Pattern.compile("(?m)^" + rule + "\\s+\\S+\\s+" + status + "\\b").matcher(out).find();
    }

    @Test
    void aBrokenPluginFailsItsRuleAndTheCommandExitsOne() throws Exception {
        Path jar = PluginJars.brokenPlugin(dir);
        Path report = dir.resolve("report");
        CliRun run = CliRun.inProcess("kit", jar.toString(), "--report", report.toString());
        assertEquals(ExitCode.CHECK_FAILED, run.exitCode(), run::toString);
        assertTrue(run.out().contains("== broken-live"), run::toString);
        assertTrue(row(run.out(), "S2", "FAILED"), run::toString);
        assertTrue(row(run.out(), "S1", "PASSED"), run::toString);
        String json = Files.readString(report.resolve("kit-broken-live.json"));
        assertTrue(json.contains("\"S2\": {\"strength\": \"MUST\", \"status\": \"FAILED\""), json);
    }

    @Test
    void theProjectsOwnPluginsPassEveryApplicableRule() throws Exception {
        Path filecopy = PluginJars.jarOf(dev.quiesce.filecopy.FileCopyProviderFactory.class, dir);
        Path sourceDir = java.nio.file.Files.createDirectories(dir.resolve("on-this-filesystem"));
        Path mine = java.nio.file.Files.createDirectories(sourceDir.resolve("sources-mine"));
        CliRun fc = CliRun.inProcess("kit", filecopy.toString(), "--config", "directory={scratch}/snapshots",
                "--source", sourceDir.toString(), "--report", dir.resolve("r").toString());
        assertEquals(ExitCode.OK, fc.exitCode(), fc::toString);
        assertTrue(row(fc.out(), "S1", "PASSED") && row(fc.out(), "S14", "PASSED"), fc::toString);
        assertTrue(fc.out().contains(" 0 FAILED"), fc::toString);
        try (var left = Files.list(sourceDir)) {
            assertEquals(java.util.List.of(mine), left.toList(), "the kit removed its sources and only them");
        }

        Path dmsnap = PluginJars.jarOf(dev.quiesce.dmsnap.DmsnapProviderFactory.class, dir);
        CliRun dm = CliRun.inProcess("kit", dmsnap.toString(), "--config", "store={scratch}/cow",
                "--report", dir.resolve("r").toString());
        assertEquals(ExitCode.OK, dm.exitCode(), dm::toString);
        assertTrue(row(dm.out(), "S2", "PASSED") && row(dm.out(), "S12", "PASSED"), dm::toString);
        assertTrue(Files.exists(dir.resolve("r/kit-dmsnap.json")));
    }

    @Test
    void aProviderThatRefusesItsConfigurationSaysWhichKeysItHas() throws Exception {
        Path filecopy = PluginJars.jarOf(dev.quiesce.filecopy.FileCopyProviderFactory.class, dir);
        CliRun run = CliRun.inProcess("kit", filecopy.toString());
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains("directory"), run::toString);
    }

    @Test
    void aPluginsFreezableSubjectRunsThroughTheFreezableKit() throws Exception {
        Path jar = PluginJars.freezablePlugin(dir);
        CliRun run = CliRun.inProcess("kit", jar.toString(), "--iterations", "200", "--report", dir.resolve("r").toString());
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().contains("== BlockGateSubject"), run::toString);
        assertTrue(row(run.out(), "F3", "PASSED") && row(run.out(), "F11", "PASSED"), run::toString);
        assertTrue(row(run.out(), "F1", "NOT_APPLICABLE"), "no witness given: " + run);
        assertTrue(Files.exists(dir.resolve("r/kit-BlockGateSubject.json")));
    }

    @Test
    void aMissingJarIsNotFound() {
        CliRun run = CliRun.inProcess("kit", dir.resolve("nope.jar").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quiesce: no such file: "), run::toString);
    }

    @Test
    void aJarWithoutProvidersSaysSo() throws Exception {
        Path empty = dir.resolve("empty.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(empty))) {
            out.putNextEntry(new java.util.jar.JarEntry("README"));
            out.write('x');
        }
        CliRun run = CliRun.inProcess("kit", empty.toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run::toString);
        assertTrue(run.err().contains("registers no snapshot provider"), run::toString);
    }
}
