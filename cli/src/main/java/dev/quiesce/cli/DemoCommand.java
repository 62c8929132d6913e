package dev.quiesce.cli;

import dev.quiesce.cdi.ConsistentSnapshot;
import dev.quiesce.cdi.ConsistentSnapshots;
import dev.quiesce.cdi.Provider;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FsckReport;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiesce demo}: the whole job on a live filesystem, in a temporary directory,
 * with nothing to set up. A reference-filesystem image on a dmsnap origin, writer threads
 * changing files the whole time, a consistent backup cut under a short freeze, copied out
 * with a progress bar while the writers go on, then mounted, checked by fsck and judged
 * against what the writers had done at the freeze.
 */
@Dependent
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Back up a live filesystem consistently, in a temporary directory, and prove it:",
            "format an image, run writer threads, freeze-cut-thaw through dmsnap while they write,",
            "copy the snapshot out, mount the backup, fsck it, check it holds exactly the state at the freeze.",
            "Exits 0 when the verdict is PASS, 1 when it is not."})
public class DemoCommand implements Callable<Integer> {
    @Inject Console console;
    @Inject ProviderSettings settings;
    @Inject @Any Instance<SnapshotProvider> providers;
    @Inject ConsistentSnapshots snapshots;

    @Option(names = "--writers", defaultValue = "4", description = "Writer threads (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--warm-up", paramLabel = "MILLIS", defaultValue = "1500",
            description = "How long the writers run before the snapshot (default: ${DEFAULT-VALUE} ms).")
    long warmUpMillis;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "128M", description = "Image size (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--keep", description = "Keep the temporary directory (image, store, backup) and print where it is.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (writers < 1 || writers > 64) {
            throw new IllegalArgumentException("--writers must be 1..64, was " + writers);
        }
        long bytes = Sizes.parse(size);
        if (bytes < (64L << 20)) {
            throw new IllegalArgumentException("--size must be at least 64M for the demo's data, was " + size);
        }
        PrintWriter out = console.out();
        Path dir = Files.createTempDirectory("quiesce-demo-");
        try {
            return run(dir, bytes, out);
        } finally {
            if (keep) {
                out.println("kept " + dir);
            } else {
                Directories.deleteTree(dir);
            }
        }
    }

    private int run(Path dir, long bytes, PrintWriter out) throws Exception {
        Path image = dir.resolve("live.img");
        Path backup = dir.resolve("backup.img");
        out.println("quiesce demo: a consistent backup of a filesystem that is being written to");
        Image.configureProviders(settings, image);
        SnapshotProvider dmsnap = providers.select(Provider.Literal.of(Image.DMSNAP)).get();
        try (FileBlockDevice created = FileBlockDevice.create(image, 4096, bytes / 4096, false)) {
            created.flush();
        }
        DemoWorkload workload;
        try (Image img = Image.open(image, 4096, false)) {
            SnapshotSource source = img.sourceFor(dmsnap);
            Dusk.format(img.device());
            Dusk fs = img.mount(false);
            out.printf("[1/6] formatted %s (%s) on a dmsnap copy-on-write origin%n", image.getFileName(), Sizes.human(bytes));
            workload = new DemoWorkload(fs, writers, 20_261_201L);
            long populated = workload.populate();
            out.printf("[2/6] wrote %s of files%n", Sizes.human(populated));
            workload.start();
            try {
                sleepUnlessCancelled(warmUpMillis);
                out.printf("[3/6] %d writers running, %d file writes so far%n", writers, workload.operations());
                long[] lower = workload.completed();
                ConsistentSnapshot taken = snapshots.take("demo", fs, source, dmsnap);
                long[] upper = workload.started();
                Snapshot snapshot = taken.snapshot();
                out.printf("[4/6] froze the filesystem for %s while the writers ran, cut snapshot '%s' (%s)%n",
                        Sizes.millis(taken.freezeWindow()), snapshot.name(), snapshot.technique());
                long opsAtFreeze = workload.operations();
                BlockCopy.Result copied;
                try (BlockDevice view = snapshot.open();
                     Progress progress = Progress.start(console, "copy", BlockCopy.bytesToCopy(view, taken.blocksToCopy()))) {
                    copied = BlockCopy.copy(view, taken.blocksToCopy(), backup, progress, 0, console::cancelled);
                } catch (InterruptedException e) {
                    throw interrupted(e);
                }
                workload.stop();
                long opsDuringCopy = workload.operations() - opsAtFreeze;
                out.printf("[5/6] copied the snapshot out while the writers went on (%d more writes)%n", opsDuringCopy);
                dmsnap.delete(snapshot.name());
                return judge(workload, backup, lower, upper, taken, copied, out);
            } finally {
                workload.stop();
            }
        }
    }

    private int judge(DemoWorkload workload, Path backup, long[] lower, long[] upper, ConsistentSnapshot taken,
                      BlockCopy.Result copied, PrintWriter out) throws Exception {
        FsckReport fsck;
        DemoWorkload.Verdict verdict;
        try (FileBlockDevice device = FileBlockDevice.open(backup, 4096, true)) {
            fsck = Dusk.fsck(device);
            try (Dusk fs = Dusk.mount(device, DuskOptions.defaults().withReadOnly(true))) {
                verdict = workload.judge(fs, lower, upper);
            }
        }
        out.printf("[6/6] mounted the backup: fsck %s; %s%n", fsck.isClean() ? "clean" : "FOUND PROBLEMS",
                verdict.detail());
        boolean pass = fsck.isClean() && verdict.exact();
        out.println();
        out.printf("  freeze window   %s (budget %d s)%n", Sizes.millis(taken.freezeWindow()),
                ConsistentSnapshots.DEFAULT_BUDGET.toSeconds());
        out.printf("  bytes copied    %s%n", Sizes.human(copied.bytesCopied()));
        out.printf("  throughput      %s/s%n", Sizes.human((long) copied.bytesPerSecond()));
        out.printf("  writers         %d, %d writes in all%n", writers, workload.operations());
        out.printf("  verdict         %s%n", pass
                ? "PASS: the backup holds exactly the state at the freeze"
                : "FAIL: " + (fsck.isClean() ? verdict.detail() : "fsck: " + fsck));
        return pass ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    private void sleepUnlessCancelled(long millis) throws CliException, InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (console.cancelled()) {
                throw interrupted(null);
            }
            Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    private static CliException interrupted(Exception cause) {
        return new CliException(ExitCode.INTERRUPTED, "interrupted: the demo stopped, its temporary files are removed",
                cause);
    }
}
