package dev.quiesce.cli;

import dev.quiesce.cdi.ConsistentSnapshot;
import dev.quiesce.cdi.ConsistentSnapshots;
import dev.quiesce.cdi.Provider;
import dev.quiesce.cdi.ProviderCatalog;
import dev.quiesce.fs.Dusk;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce snapshot IMAGE}: freeze, cut, thaw, and the freeze window. */
@Dependent
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Take a consistent snapshot of an image: mount it, freeze the filesystem, cut, thaw.",
            "Prints the freeze window. Snapshots live beside the image in IMAGE.quiesce/."})
public class SnapshotCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject ProviderCatalog catalog;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Inject ConsistentSnapshots snapshots;
    @Mixin ImageOptions imageOptions;
    @Mixin ProviderOptions providerOptions;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Option(names = "--name", paramLabel = "NAME", description = "The snapshot's name (default: snap-<date>-<time>).")
    String name;

    @Override
    public Integer call() throws Exception {
        String snapshotName = SnapshotRequest.checkName(name != null ? name : "snap-" + LocalDateTime.now().format(STAMP));
        SnapshotProvider provider = providerOptions.select(catalog, settings, providers, image);
        try (Image img = Image.open(image, imageOptions.blockSize, false)) {
            img.protectSnapshots(() -> providers.select(Provider.Literal.of(Image.DMSNAP)).get());
            SnapshotSource source = img.sourceFor(provider);
            Dusk fs = img.mount(false);
            ConsistentSnapshot taken = snapshots.take(snapshotName, fs, source, provider);
            Snapshot s = taken.snapshot();
            console.out().printf("snapshot %s of %s by %s (%s): freeze window %s%n", s.name(), image,
                    provider.name(), s.technique(), Sizes.millis(taken.freezeWindow()));
        }
        return ExitCode.OK;
    }
}
