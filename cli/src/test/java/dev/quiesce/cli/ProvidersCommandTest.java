package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProvidersCommandTest {

    @Test
    void listsTheBundledProvidersWithTheirCapabilities() {
        CliRun run = CliRun.inProcess("providers");
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().matches("(?s).*\\nfilecopy\\s+FULL_COPY\\s+USED_BLOCKS\\s+no\\s+yes\\s+.*"), run::toString);
    }

    @Test
    void longListingShowsConfigurationKeys() {
        CliRun run = CliRun.inProcess("providers", "--long");
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        assertTrue(run.out().contains("--config filecopy.technique=..."), run::toString);
    }
}
