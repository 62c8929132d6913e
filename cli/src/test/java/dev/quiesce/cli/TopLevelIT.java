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
}
