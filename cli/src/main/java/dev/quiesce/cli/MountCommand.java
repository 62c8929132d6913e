package dev.quiesce.cli;

import dev.quiesce.cdi.Provider;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.fuse.FuseMount;
import dev.quiesce.fs.fuse.MountOptions;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quiesce mount IMAGE DIR}: serves the image through FUSE until it is unmounted or signalled. */
@Dependent
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount a reference-filesystem image on DIR through FUSE, for every program.",
            "Stays in the foreground; Ctrl-C, SIGTERM or 'quiesce umount DIR' commits and",
            "unmounts. 'quiesce freeze DIR' freezes it (control socket: IMAGE.ctl). While",
            "the image has dmsnap snapshots, writes go through the dmsnap origin so they",
            "stay exact. Needs /dev/fuse, libfuse2 and fusermount (fuse3)."})
public class MountCommand implements Callable<Integer> {
    /** How long Ctrl-C waits for the mount's own shutdown (commit, unmount) before giving up. */
    private static final Duration CLEANUP_BOUND = Duration.ofSeconds(60);

    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject @Any Instance<SnapshotProvider> providers;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Parameters(index = "1", paramLabel = "DIR", description = "The directory to mount it on.")
    Path dir;

    @Option(names = "--read-only", description = "Mount read-only: the image is not written.")
    boolean readOnly;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(image)) {
            throw new NoSuchFileException(image.toString());
        }
        if (Dusk.probeBlockSize(image).isEmpty()) {
            throw new CliException(ExitCode.CORRUPT, image + " is not a reference-filesystem image");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(ExitCode.NOT_FOUND, dir + " is not a directory to mount on");
        }
        if (!readOnly && Files.exists(Image.dmsnapStore(image))) {
            // Writes must go through the dmsnap origin, or they would silently break the
            // image's dmsnap snapshots: mount the origin device, holding the image here.
            Image.configureProviders(settings, image);
            try (Image img = Image.open(image, Dusk.probeBlockSize(image).getAsInt(), false)) {
                img.protectSnapshots(() -> providers.select(Provider.Literal.of(Image.DMSNAP)).get());
                return serve(FuseMount.mountView(img.device(), image, dir, MountOptions.defaults()), " (through the"
                        + " dmsnap origin, keeping its snapshots exact)");
            }
        }
        return serve(FuseMount.mount(image, dir, readOnly), readOnly ? " read-only" : "");
    }

    /** Reports the mount and waits until it ends. */
    private int serve(FuseMount m, String how) throws InterruptedException {
        console.out().printf("%s mounted on %s%s (control socket %s)%n", image, m.mountPoint(), how,
                m.controlSocket());
        console.out().flush();
        while (!m.awaitUnmounted(Duration.ofSeconds(1))) {
            if (console.cancelled()) {
                // Ctrl-C or SIGTERM: the mount's shutdown hook commits and unmounts.
                m.awaitUnmounted(CLEANUP_BOUND);
                return ExitCode.INTERRUPTED;
            }
        }
        console.out().printf("%s unmounted%n", m.mountPoint());
        return ExitCode.OK;
    }
}
