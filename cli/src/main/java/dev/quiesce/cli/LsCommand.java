package dev.quiesce.cli;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.FileStat;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce ls IMAGE [PATH]}: a directory of the image, read-only. */
@Dependent
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List a directory inside a reference-filesystem image (read-only).")
public class LsCommand implements Callable<Integer> {
    @Inject Console console;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", defaultValue = "/", description = "Directory in the image (default: /).")
    String path;

    @Option(names = {"-l", "--long"}, description = "Show type, size, links and modification time.")
    boolean longListing;

    @Override
    public Integer call() throws Exception {
        try (Image img = Image.open(image, options.blockSize, true)) {
            Dusk fs = img.mount(true);
            String dir = path.endsWith("/") ? path : path + "/";
            for (String name : fs.readdir(path)) {
                if (!longListing) {
                    console.out().println(name);
                    continue;
                }
                FileStat s = fs.lstat(dir + name);
                console.out().printf("%-9s %12d %3d %s %s%n", s.type().name().toLowerCase(java.util.Locale.ROOT),
                        s.size(), s.links(), Instant.ofEpochMilli(s.modifiedMillis()), name);
            }
        }
        return ExitCode.OK;
    }
}
