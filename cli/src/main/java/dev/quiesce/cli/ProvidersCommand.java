package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.cdi.ProviderCatalog;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiesce providers}: what was discovered, with capabilities and configuration keys. */
@Dependent
@Command(name = "providers", mixinStandardHelpOptions = true,
        description = "List the snapshot providers found on the class path, with their capabilities.")
public class ProvidersCommand implements Callable<Integer> {
    @Inject Console console;
    @Inject ProviderCatalog catalog;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Inject ProviderSettings settings;

    @Option(names = {"-l", "--long"}, description = "Also list each provider's configuration keys.")
    boolean longListing;

    @Override
    public Integer call() throws IOException {
        // Providers that keep state in files are pointed at a throwaway directory, so
        // that listing them creates nothing anywhere that matters.
        Path scratch = Files.createTempDirectory("quiesce-providers-");
        try {
            Image.configureProviders(settings, scratch.resolve("probe.img"));
            return list();
        } finally {
            Directories.deleteTree(scratch);
        }
    }

    private int list() {
        PrintWriter out = console.out();
        if (catalog.names().isEmpty()) {
            out.println("no snapshot providers found on the class path");
            return ExitCode.OK;
        }
        out.printf("%-10s %-14s %-12s %-15s %-12s %s%n",
                "NAME", "TECHNIQUE", "CUT COST", "FREEZES ITSELF", "USES BITMAP", "DESCRIPTION");
        int failed = 0;
        for (String name : catalog.names()) {
            SnapshotProviderFactory factory = catalog.factory(name).orElseThrow();
            try {
                Capabilities c = providers.select(Provider.Literal.of(name)).get().capabilities();
                out.printf("%-10s %-14s %-12s %-15s %-12s %s%n", name, c.technique(), c.cutCost(),
                        yesNo(c.freezesSourceItself()), yesNo(c.usesBlockUsage()), factory.description());
            } catch (RuntimeException e) {
                failed++;
                out.printf("%-10s %s%n", name, "unavailable: " + e.getMessage());
            }
            if (longListing) {
                Map<String, String> keys = factory.configurationKeys();
                keys.keySet().stream().sorted().forEach(key ->
                        out.printf("    --config %s.%s=...  %s%n", name, key, keys.get(key)));
            }
        }
        return failed == 0 ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
