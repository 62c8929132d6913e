package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void theDemoPassesAndCleansUpAfterItself() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = demoDirs(tmp);
        CliRun run = CliRun.inProcess("demo", "--warm-up", "300");
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().contains("[6/6] mounted the backup: fsck clean; every file is exactly as at the freeze"),
                run::toString);
        assertTrue(run.out().matches("(?s).*freeze window\\s+[0-9.]+ ms.*bytes copied\\s+[0-9.]+ MiB.*"
                + "throughput\\s+[0-9.]+ .*verdict\\s+PASS: .*"), run::toString);
        assertTrue(run.err().contains("copy 100%"), "a progress bar was drawn: " + run);
        assertEquals(before, demoDirs(tmp), "the temporary directory was removed");
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRun run = CliRun.inProcess("demo", "--writers", "0");
        assertEquals(ExitCode.USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--writers"), run::toString);
    }

    private static long demoDirs(Path tmp) throws IOException {
        try (Stream<Path> all = Files.list(tmp)) {
            return all.filter(p -> p.getFileName().toString().startsWith("quiesce-demo-")).count();
        }
    }
}
