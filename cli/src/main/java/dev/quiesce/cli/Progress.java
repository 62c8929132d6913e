package dev.quiesce.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error for a long copy, in KiB or MiB with the speed; nothing when
 * the user said {@code --no-progress}.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 100;
    private final ProgressBar bar;
    private final Console console;

    private Progress(ProgressBar bar, Console console) {
        this.bar = bar;
        this.console = console;
    }

    static Progress start(Console console, String task, long totalBytes) {
        if (!console.progress()) {
            return new Progress(null, console);
        }
        PrintStream stream = new PrintStream(new WriterStream(console.err()), true, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(1, totalBytes))
                .setUnit(totalBytes < (16L << 20) ? "KiB" : "MiB", totalBytes < (16L << 20) ? 1 << 10 : 1 << 20)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(stream, WIDTH))
                .showSpeed()
                .build();
        return new Progress(bar, console);
    }

    /** A bar counting {@code total} units of {@code task} (inodes, blocks) rather than bytes. */
    static Progress count(Console console, String task, long total) {
        if (!console.progress()) {
            return new Progress(null, console);
        }
        PrintStream stream = new PrintStream(new WriterStream(console.err()), true, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(1, total))
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(stream, WIDTH))
                .build();
        return new Progress(bar, console);
    }

    /** Moves a counting bar to {@code done}. */
    void at(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    void advance(long bytes) {
        if (bar != null) {
            bar.stepBy(bytes);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            console.err().println();
            console.err().flush();
        }
    }

    /** Bytes to the console's error writer, decoded as UTF-8 at each flush. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public synchronized void flush() {
            writer.write(pending.toString(StandardCharsets.UTF_8));
            writer.flush();
            pending.reset();
        }
    }
}
