package dev.quiesce.cli;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce get IMAGE PATH LOCAL}: copies a file out of the image (read-only). */
@Dependent
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "Copy a file out of a reference-filesystem image to a host file, or to standard output with '-'.")
public class GetCommand implements Callable<Integer> {
    private static final int CHUNK = 1 << 20;

    @Inject Console console;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", description = "The file in the image.")
    String path;

    @Parameters(index = "2", paramLabel = "LOCAL", description = "The host file to write, or '-' for standard output.")
    String local;

    @Option(names = "--force", description = "Replace LOCAL if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        boolean toStdout = "-".equals(local);
        Path target = toStdout ? null : Path.of(local);
        if (target != null && Files.exists(target) && !force) {
            throw new CliException(ExitCode.USAGE, target + " exists; add --force to replace it");
        }
        long copied = 0;
        try (Image img = Image.open(image, options.blockSize, true)) {
            Dusk fs = img.mount(true);
            try (DuskFile file = fs.open(path);
                 OutputStream out = toStdout ? nonClosing(System.out) : Files.newOutputStream(target,
                         StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
                long size = file.size();
                while (copied < size) {
                    buffer.clear();
                    int n = file.read(copied, buffer);
                    if (n <= 0) {
                        break;
                    }
                    out.write(buffer.array(), 0, n);
                    copied += n;
                }
                out.flush();
            }
        }
        if (!toStdout) {
            console.out().printf("got %s:%s -> %s (%d bytes)%n", image, path, target, copied);
        }
        return ExitCode.OK;
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws java.io.IOException {
                flush();
            }
        };
    }
}
