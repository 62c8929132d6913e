package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.cdi.ProviderCatalog;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code quiesce snapshots list|delete}: the snapshots kept beside an image. */
@Dependent
@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = "List or delete the snapshots of an image (kept in IMAGE.quiesce/).",
        subcommands = {SnapshotsCommand.ListSnapshots.class, SnapshotsCommand.DeleteSnapshot.class})
public class SnapshotsCommand implements Runnable {
    @Inject Console console;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(console.out());
    }

    /** The providers that hold state for {@code image}, opened on it so that they can list. */
    static List<SnapshotProvider> providersOf(Image img, ProviderCatalog catalog, ProviderSettings settings,
                                              Instance<SnapshotProvider> all) throws Exception {
        Image.configureProviders(settings, img.path());
        List<SnapshotProvider> found = new ArrayList<>();
        if (Files.exists(Image.dmsnapStore(img.path())) && catalog.factory(Image.DMSNAP).isPresent()) {
            SnapshotProvider dmsnap = all.select(Provider.Literal.of(Image.DMSNAP)).get();
            img.sourceFor(dmsnap);
            found.add(dmsnap);
        }
        if (Files.isDirectory(Image.sidecar(img.path()).resolve(Image.FILECOPY))
                && catalog.factory(Image.FILECOPY).isPresent()) {
            found.add(all.select(Provider.Literal.of(Image.FILECOPY)).get());
        }
        return found;
    }

    @Dependent
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the snapshots of an image.")
    public static class ListSnapshots implements Callable<Integer> {
        @Inject Console console;
        @Inject ProviderSettings settings;
        @Inject ProviderCatalog catalog;
        @Inject @Any Instance<SnapshotProvider> providers;
        @Mixin ImageOptions options;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
        Path image;

        @Override
        public Integer call() throws Exception {
            try (Image img = Image.open(image, options.blockSize, false)) {
                List<Snapshot> all = new ArrayList<>();
                List<String> by = new ArrayList<>();
                for (SnapshotProvider p : providersOf(img, catalog, settings, providers)) {
                    for (Snapshot s : p.list()) {
                        all.add(s);
                        by.add(p.name());
                    }
                }
                if (all.isEmpty()) {
                    console.out().println("no snapshots of " + image);
                    return ExitCode.OK;
                }
                console.out().printf("%-24s %-9s %-14s %-6s %s%n", "NAME", "PROVIDER", "TECHNIQUE", "STATE", "CREATED");
                for (int i = 0; i < all.size(); i++) {
                    Snapshot s = all.get(i);
                    String state = !s.isValid() ? "INVALID" : s.isReady() ? "ready" : "cut";
                    console.out().printf("%-24s %-9s %-14s %-6s %s%n", s.name(), by.get(i), s.technique(), state,
                            s.createdAt());
                }
            }
            return ExitCode.OK;
        }
    }

    @Dependent
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a snapshot of an image.")
    public static class DeleteSnapshot implements Callable<Integer> {
        @Inject Console console;
        @Inject ProviderSettings settings;
        @Inject ProviderCatalog catalog;
        @Inject @Any Instance<SnapshotProvider> providers;
        @Mixin ImageOptions options;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
        Path image;

        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot to delete.")
        String name;

        @Override
        public Integer call() throws Exception {
            try (Image img = Image.open(image, options.blockSize, false)) {
                for (SnapshotProvider p : providersOf(img, catalog, settings, providers)) {
                    if (p.find(name).isPresent()) {
                        p.delete(name);
                        console.out().printf("deleted snapshot %s of %s (%s)%n", name, image, p.name());
                        return ExitCode.OK;
                    }
                }
            }
            throw new CliException(ExitCode.NOT_FOUND, "no snapshot named '" + name + "' of " + image
                    + "; 'quiesce snapshots list " + image + "' shows them");
        }
    }
}
