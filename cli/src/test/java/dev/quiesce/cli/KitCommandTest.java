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
