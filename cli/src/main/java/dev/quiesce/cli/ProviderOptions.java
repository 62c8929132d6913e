package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.cdi.ProviderCatalog;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.inject.Instance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --provider} and {@code --config}, for the commands that make or read snapshots. */
final class ProviderOptions {
    @Option(names = "--provider", paramLabel = "NAME", defaultValue = "dmsnap",
            description = "The snapshot provider (default: ${DEFAULT-VALUE}); 'quiesce providers' lists them.")
    String provider;

    @Option(names = "--config", paramLabel = "PROVIDER.KEY=VALUE",
            description = "A provider setting, e.g. filecopy.technique=reflink (repeatable).")
    List<String> config = new ArrayList<>();

    /**
     * The chosen provider, configured for {@code image}: its sidecar by default, then
     * system properties, then {@code --config}.
     *
     * @throws CliException (usage) naming the known providers if the name is unknown
     */
    SnapshotProvider select(ProviderCatalog catalog, ProviderSettings settings, Instance<SnapshotProvider> all,
                            Path image) throws CliException {
        if (catalog.factory(provider).isEmpty()) {
            throw new CliException(ExitCode.USAGE, "unknown provider '" + provider + "'; known providers: "
                    + String.join(", ", catalog.names()));
        }
        Image.configureProviders(settings, image);
        config.forEach(settings::explicit);
        return all.select(Provider.Literal.of(provider)).get();
    }
}
