package dev.quiesce.cli;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce mkfs IMAGE --size 64M}: a new, empty reference-filesystem image. */
@Dependent
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = "Create an image file holding a new, empty reference filesystem (Dusk).")
public class MkfsCommand implements Callable<Integer> {
    @Inject Console console;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file to create.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "64M",
            description = "Image size, e.g. 64M, 1G (default: ${DEFAULT-VALUE}); sparse on disk.")
    String size;

    @Option(names = "--force", description = "Replace an existing file (its content is lost).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        long bytes = Sizes.parse(size);
        int bs = options.blockSize;
        if (bytes % bs != 0 || bytes / bs < 64) {
            throw new IllegalArgumentException("--size " + size + " must be a whole number of " + bs
                    + "-byte blocks, at least 64 of them");
        }
        if (Files.exists(image) && !force) {
            throw new CliException(ExitCode.USAGE, image + " exists; add --force to replace it");
        }
        try (FileBlockDevice device = FileBlockDevice.create(image, bs, bytes / bs, force)) {
            Dusk.format(device);
        }
        console.out().printf("formatted %s: %d blocks of %d B (%s)%n", image, bytes / bs, bs, Sizes.human(bytes));
        return ExitCode.OK;
    }
}
