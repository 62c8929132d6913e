package dev.quiesce.cli;

import dev.quiesce.cdi.ConsistentSnapshot;
import dev.quiesce.cdi.ConsistentSnapshots;
import dev.quiesce.cdi.Provider;
import dev.quiesce.cdi.ProviderCatalog;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.FsStat;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Optional;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code quiesce backup IMAGE TARGET}: a consistent snapshot, copied out to a backup
 * image and verified, the snapshot then deleted.
 */
@Dependent
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Back up an image consistently: freeze, cut, thaw, then copy the snapshot to TARGET",
            "with a progress bar, verify it (byte for byte and fsck), and delete the snapshot.",
            "Ctrl-C stops it: the filesystem is thawed, the partial backup removed, exit code 130."})
public class BackupCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject ProviderCatalog catalog;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Inject ConsistentSnapshots snapshots;
    @Mixin ImageOptions imageOptions;
    @Mixin ProviderOptions providerOptions;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to back up.")
    Path image;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The backup image file to write.")
    Path target;

    @Option(names = "--force", description = "Replace TARGET if it exists.")
    boolean force;

    @Option(names = "--keep-snapshot", description = "Keep the snapshot after the copy (default: delete it).")
    boolean keepSnapshot;

    @Option(names = "--max-rate", paramLabel = "SIZE", description = "Copy at most this many bytes per second, e.g. 50M.")
    String maxRate;

    @Override
    public Integer call() throws Exception {
        if (maxRate != null) {
            Sizes.parse(maxRate);
        }
        if (Files.exists(target) && !force) {
            throw new CliException(ExitCode.USAGE, target + " exists; add --force to replace it");
        }
        if (Files.isDirectory(target)) {
            throw new CliException(ExitCode.USAGE, target + " is a directory; name the backup file");
        }
        Files.deleteIfExists(BlockCopy.partialOf(target));
        SnapshotProvider provider = providerOptions.select(catalog, settings, providers, image);
        String name = "backup-" + LocalDateTime.now().format(STAMP);
        PrintWriter out = console.out();
        try (Image img = Image.open(image, imageOptions.blockSize, false)) {
            img.protectSnapshots(() -> providers.select(Provider.Literal.of(Image.DMSNAP)).get());
            SnapshotSource source = img.sourceFor(provider);
            Dusk fs = img.mount(false);
            FsStat space = fs.statfs();
            BlockCopy.checkSpace(target, (space.blocks() - space.freeBlocks()) * space.blockSize());
            ConsistentSnapshot taken = snapshots.take(name, fs, source, provider);
            Snapshot snapshot = taken.snapshot();
            out.printf("froze %s for %s; snapshot %s by %s%n", image, Sizes.millis(taken.freezeWindow()), name,
                    provider.name());
            try {
                return copyAndVerify(snapshot, taken);
            } finally {
                if (!keepSnapshot) {
                    provider.delete(name);
                }
            }
        }
    }

    private int copyAndVerify(Snapshot snapshot, ConsistentSnapshot taken) throws Exception {
        PrintWriter out = console.out();
        long rate = maxRate == null ? 0 : Sizes.parse(maxRate);
        BlockCopy.Result copied;
        Optional<BlockUsage> usage = taken.blocksToCopy();
        try (BlockDevice view = snapshot.open()) {
            long bytes = BlockCopy.bytesToCopy(view, usage);
            try (Progress progress = Progress.start(console, "backup", bytes)) {
                copied = BlockCopy.copy(view, usage, target, progress, rate, console::cancelled);
            } catch (InterruptedException e) {
                throw new CliException(ExitCode.INTERRUPTED, "interrupted: " + image + " was thawed and the partial "
                        + "backup " + BlockCopy.partialOf(target) + " removed", e);
            } catch (IOException e) {
                if (ErrorReporter.isNoSpace(e)) {
                    throw new CliException(ExitCode.NO_SPACE, "no space left for " + target + "; the partial backup "
                            + "was removed", e);
                }
                throw e;
            }
            long differs = BlockCopy.firstDifference(view, target, usage);
            FsckReport fsck;
            try (FileBlockDevice written = FileBlockDevice.open(target, view.blockSize(), true)) {
                fsck = Dusk.fsck(written);
            }
            if (differs >= 0 || !fsck.isClean()) {
                throw new CliException(ExitCode.CHECK_FAILED, "backup " + target + " NOT verified: "
                        + (differs >= 0 ? "block " + differs + " differs from the snapshot" : "fsck: " + fsck));
            }
        }
        out.printf("backup %s verified (byte for byte, fsck clean): %s copied in %.2f s (%s/s), freeze window %s%n",
                target, Sizes.human(copied.bytesCopied()), copied.took().toNanos() / 1e9,
                Sizes.human((long) copied.bytesPerSecond()), Sizes.millis(taken.freezeWindow()));
        return ExitCode.OK;
    }
}
