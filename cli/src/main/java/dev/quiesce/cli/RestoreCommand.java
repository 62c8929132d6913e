package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce restore BACKUP IMAGE}: a backup back into a usable image, verified. */
@Dependent
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup made by 'quiesce backup' into IMAGE, then verify it (byte for byte and fsck).",
            "A new IMAGE is written beside it and renamed when complete; replacing one needs --force."})
public class RestoreCommand implements Callable<Integer> {
    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "BACKUP", description = "The backup image file.")
    Path backup;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "The image to restore into.")
    Path image;

    @Option(names = "--force", description = "Overwrite IMAGE if it exists (through the dmsnap origin if it has dmsnap "
            + "snapshots, so they stay exact).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(backup)) {
            throw new NoSuchFileException(backup.toString());
        }
        FsckReport check;
        try (FileBlockDevice from = FileBlockDevice.open(backup, options.blockSize, true)) {
            check = Dusk.fsck(from);
            if (!check.isClean()) {
                throw new CliException(ExitCode.CORRUPT, backup + " is not a clean backup, nothing restored: " + check);
            }
            if (Files.exists(image)) {
                if (!force) {
                    throw new CliException(ExitCode.USAGE, image + " exists; add --force to overwrite it");
                }
                overwrite(from);
            } else {
                try (Progress progress = Progress.start(console, "restore", from.sizeBytes())) {
                    BlockCopy.copy(from, Optional.empty(), image, progress, 0, console::cancelled);
                } catch (InterruptedException e) {
                    throw new CliException(ExitCode.INTERRUPTED, "interrupted: the partial image "
                            + BlockCopy.partialOf(image) + " was removed", e);
                }
            }
            long differs = BlockCopy.firstDifference(from, image, Optional.empty());
            if (differs >= 0) {
                throw new CliException(ExitCode.CHECK_FAILED, image + " NOT verified: block " + differs
                        + " differs from " + backup);
            }
        }
        try (FileBlockDevice restored = FileBlockDevice.open(image, options.blockSize, true)) {
            check = Dusk.fsck(restored);
        }
        if (!check.isClean()) {
            throw new CliException(ExitCode.CHECK_FAILED, image + " NOT verified: fsck: " + check);
        }
        console.out().printf("restored %s into %s: verified (byte for byte, fsck clean)%n", backup, image);
        return ExitCode.OK;
    }

    private void overwrite(BlockDevice from) throws Exception {
        Image.configureProviders(settings, image);
        try (Image img = Image.open(image, options.blockSize, false)) {
            img.protectSnapshots(() -> providers.select(Provider.Literal.of(Image.DMSNAP)).get());
            BlockDevice to = img.device();
            if (to.sizeBytes() != from.sizeBytes()) {
                throw new CliException(ExitCode.USAGE, image + " holds " + to.sizeBytes() + " bytes but the backup "
                        + from.sizeBytes() + "; restore into a new image instead");
            }
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(256 * from.blockSize());
            try (Progress progress = Progress.start(console, "restore", from.sizeBytes())) {
                for (long b = 0; b < from.blockCount(); b += 256) {
                    if (console.cancelled()) {
                        throw new CliException(ExitCode.INTERRUPTED, "interrupted: " + image
                                + " is partly overwritten; run the restore again");
                    }
                    int n = (int) Math.min(256, from.blockCount() - b);
                    buffer.clear().limit(n * from.blockSize());
                    from.read(b, buffer);
                    buffer.flip();
                    to.write(b, buffer);
                    progress.advance((long) n * from.blockSize());
                }
            }
            to.flush();
        }
    }
}
