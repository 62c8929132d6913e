package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The packaged jar as a real process: {@code java -jar quiesce.jar ...}. */
class TopLevelIT {

    @Test
    void helpAndVersionRunFromTheJar() throws Exception {
        CliRun help = CliRun.process("--help");
        assertEquals(ExitCode.OK, help.exitCode(), help::toString);
        assertTrue(help.out().contains("Exit codes:"), help::toString);
        assertTrue(help.err().isEmpty(), "nothing on stderr (no container logging): " + help);

        CliRun version = CliRun.process("--version");
        assertEquals(ExitCode.OK, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("quiesce 0.1.0"), version::toString);
    }

    @Test
    void unknownCommandExitsWithUsageCode() throws Exception {
        CliRun run = CliRun.process("frobnicate");
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quiesce: Unmatched argument"), run::toString);
    }

    @Test
    void theLauncherScriptRunsTheBuiltJar() throws Exception {
        java.nio.file.Path script = java.nio.file.Path.of(System.getProperty("quiesce.launcher", "../bin/quiesce"));
        assertTrue(java.nio.file.Files.isExecutable(script), "bin/quiesce is executable: " + script.toAbsolutePath());
        Process p = new ProcessBuilder("bash", script.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("quiesce 0.1.0"), out);
    }
}
