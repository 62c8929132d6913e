package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopLevelCommandTest {

    @Test
    void helpListsCommandsAndExitCodes() {
        CliRun run = CliRun.inProcess("--help");
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().contains("providers"), run::toString);
        assertTrue(run.out().contains("Exit codes:"), run::toString);
        assertTrue(run.out().contains("130"), run::toString);
    }

    @Test
    void noArgumentsPrintsUsage() {
        CliRun run = CliRun.inProcess();
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("Usage: quiesce"), run::toString);
    }

    @Test
    void versionNamesTheProject() {
        CliRun run = CliRun.inProcess("--version");
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("quiesce "), run::toString);
    }

    @Test
    void unknownCommandIsOneLineAndAUsageError() {
        CliRun run = CliRun.inProcess("frobnicate");
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quiesce: Unmatched argument"), run::toString);
        assertTrue(run.err().contains("Try 'quiesce --help'"), run::toString);
        assertEquals(2, run.err().lines().count(), run::toString);
    }

    @Test
    void everyCommandHasHelpWithTheExitCodes() {
        for (String command : QuiesceCommandNames.ALL) {
            CliRun run = CliRun.inProcess(command, "--help");
            assertEquals(ExitCode.OK, run.exitCode(), run::toString);
            assertTrue(run.out().startsWith("Usage: quiesce " + command), run::toString);
            assertTrue(run.out().contains("Exit codes:"), run::toString);
        }
        CliRun nested = CliRun.inProcess("snapshots", "list", "--help");
        assertTrue(nested.out().startsWith("Usage: quiesce snapshots list"), nested::toString);
        assertTrue(QuiesceCommandNames.ALL.containsAll(java.util.List.of("demo", "mkfs", "fsck", "ls", "put", "get",
                "stat", "providers", "snapshot", "snapshots", "backup", "restore", "kit")), QuiesceCommandNames.ALL::toString);
    }
}
