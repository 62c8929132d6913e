package dev.quiesce.cli;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.PrintWriter;

/**
 * Where a command writes: standard output for results, standard error for errors and
 * progress, and whether the user asked for stack traces. One per CLI run, set up by
 * {@link Main} before any command runs, so that in-process tests can capture both.
 */
@ApplicationScoped
public class Console {
    private PrintWriter out = new PrintWriter(System.out, true);
    private PrintWriter err = new PrintWriter(System.err, true);
    private volatile boolean verbose;
    private volatile boolean progress = true;
    private volatile boolean cancelled;

    void connect(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    public boolean verbose() {
        return verbose;
    }

    void verbose(boolean verbose) {
        this.verbose = verbose;
        Main.QUIESCE_LOG.setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.SEVERE);
    }

    /** Whether progress bars are drawn (off with {@code --quiet}). */
    public boolean progress() {
        return progress;
    }

    void progress(boolean progress) {
        this.progress = progress;
    }

    /**
     * Whether the user asked to stop (Ctrl-C): long operations poll this between steps
     * and then clean up, thaw and remove partial output before returning.
     */
    public boolean cancelled() {
        return cancelled;
    }

    /** Asks the running command to stop; what Ctrl-C does. */
    void cancel() {
        cancelled = true;
    }
}
