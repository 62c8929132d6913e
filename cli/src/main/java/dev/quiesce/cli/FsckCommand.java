package dev.quiesce.cli;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.FsckProgress;
import dev.quiesce.fs.FsckReport;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code quiesce fsck IMAGE}: checks every invariant without changing the image. */
@Dependent
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = {"Check a reference-filesystem image without changing it.",
            "Exits 0 when clean, 4 when it found problems (each printed on its own line)."})
public class FsckCommand implements Callable<Integer> {
    @Inject Console console;
    @Mixin ImageOptions options;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file (or a backup) to check.")
    Path image;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(image)) {
            throw new NoSuchFileException(image.toString());
        }
        FsckReport report;
        try (FileBlockDevice device = FileBlockDevice.open(image, options.blockSize, true);
             PhaseBars bars = new PhaseBars(console)) {
            report = Dusk.fsck(device, bars);
        }
        if (report.isClean()) {
            console.out().printf("%s: clean: %d inodes, %d blocks in use, %d log records replayed%n",
                    image, report.inodes(), report.blocksInUse(), report.logRecords());
            return ExitCode.OK;
        }
        console.out().printf("%s: %d problem(s)%n", image, report.problems().size());
        report.problems().forEach(p -> console.out().println("  " + p));
        return ExitCode.CORRUPT;
    }

    /** One counting bar per fsck phase, each closed when the next begins. */
    private static final class PhaseBars implements FsckProgress, AutoCloseable {
        private final Console console;
        private String phase;
        private Progress bar;

        PhaseBars(Console console) {
            this.console = console;
        }

        @Override
        public void progress(String phase, long done, long total) {
            if (!phase.equals(this.phase)) {
                close();
                this.phase = phase;
                bar = Progress.count(console, phase, total);
            }
            bar.at(done);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
