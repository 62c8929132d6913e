package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce put IMAGE LOCAL PATH}: copies a host file into the image. */
@Dependent
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Copy a host file into a reference-filesystem image (creating or replacing PATH).",
            "Writes go through the dmsnap origin when the image has dmsnap snapshots, so they stay exact."})
public class PutCommand implements Callable<Integer> {
    private static final int CHUNK = 1 << 20;

    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Parameters(index = "1", paramLabel = "LOCAL", description = "The host file to copy in.")
    Path local;

    @Parameters(index = "2", paramLabel = "PATH", description = "Where it goes in the image, e.g. /docs/a.txt.")
    String path;

    @Option(names = {"-p", "--parents"}, description = "Create missing parent directories.")
    boolean parents;

    @Override
    public Integer call() throws Exception {
        long size = Files.size(local);
        Image.configureProviders(settings, image);
        long written = 0;
        try (Image img = Image.open(image, options.blockSize, false)) {
            img.protectSnapshots(() -> providers.select(Provider.Literal.of(Image.DMSNAP)).get());
            Dusk fs = img.mount(false);
            if (parents) {
                makeParents(fs, path);
            }
            DuskFile created;
            try {
                created = fs.create(path);
            } catch (FileAlreadyExistsException e) {
                created = fs.open(path);
                created.truncate(0);
            }
            try (DuskFile file = created; InputStream in = Files.newInputStream(local)) {
                byte[] buffer = new byte[CHUNK];
                int n;
                while ((n = in.readNBytes(buffer, 0, CHUNK)) > 0) {
                    file.write(written, ByteBuffer.wrap(buffer, 0, n));
                    written += n;
                }
                file.fsync();
            }
        }
        console.out().printf("put %s -> %s:%s (%d bytes)%n", local, image, path, written);
        return size == written ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    private static void makeParents(Dusk fs, String path) throws java.io.IOException {
        String[] parts = path.split("/");
        StringBuilder dir = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            dir.append('/').append(parts[i]);
            if (fs.lookup(dir.toString()).isEmpty()) {
                fs.mkdir(dir.toString());
            }
        }
    }
}
