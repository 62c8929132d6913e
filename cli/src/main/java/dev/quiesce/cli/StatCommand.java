package dev.quiesce.cli;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.FileStat;
import dev.quiesce.fs.FsStat;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code quiesce stat IMAGE [PATH]}: a file's attributes, or the volume's space. */
@Dependent
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = "Show a file's attributes inside an image, or without PATH the volume's size and free space.")
public class StatCommand implements Callable<Integer> {
    @Inject Console console;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", arity = "0..1", description = "A path in the image.")
    String path;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = console.out();
        try (Image img = Image.open(image, options.blockSize, true)) {
            Dusk fs = img.mount(true);
            if (path == null) {
                FsStat s = fs.statfs();
                out.printf("block size:   %d%n", s.blockSize());
                out.printf("blocks:       %d (%s)%n", s.blocks(), Sizes.human(s.blocks() * s.blockSize()));
                out.printf("free blocks:  %d (%s)%n", s.freeBlocks(), Sizes.human(s.freeBlocks() * s.blockSize()));
                out.printf("available:    %d (%s)%n", s.availableBlocks(),
                        Sizes.human(s.availableBlocks() * s.blockSize()));
                out.printf("inodes:       %d%n", s.inodes());
                return ExitCode.OK;
            }
            FileStat s = fs.lstat(path);
            out.printf("path:     %s%n", path);
            out.printf("inode:    %d%n", s.inode());
            out.printf("type:     %s%n", s.type().name().toLowerCase(java.util.Locale.ROOT));
            out.printf("size:     %d%n", s.size());
            out.printf("mode:     %04o%n", s.mode());
            out.printf("links:    %d%n", s.links());
            out.printf("modified: %s%n", Instant.ofEpochMilli(s.modifiedMillis()));
            out.printf("changed:  %s%n", Instant.ofEpochMilli(s.changedMillis()));
        }
        return ExitCode.OK;
    }
}
