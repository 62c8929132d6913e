package dev.quiesce.cli;

import dev.quiesce.cdi.ProviderCreationException;
import dev.quiesce.core.ProviderNotFoundException;
import dev.quiesce.fs.CorruptFilesystemException;
import dev.quiesce.fs.NoSpaceLeftException;
import dev.quiesce.fs.fuse.MountException;
import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.TargetFrozenException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CancellationException;
import picocli.CommandLine;

/**
 * Turns whatever a command throws into one clear line on standard error and an exit code
 * from {@link ExitCode}; with {@code --verbose} the stack trace follows.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    private final Console console;

    ErrorReporter(Console console) {
        this.console = console;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        return report(e);
    }

    /** Prints {@code e} as one line (plus the trace if verbose) and returns its exit code. */
    int report(Throwable e) {
        Throwable shown = unwrap(e);
        PrintWriter err = console.err();
        int code = exitCode(shown);
        err.println("quiesce: " + (code == ExitCode.INTERNAL ? "internal error: " : "") + message(shown));
        if (console.verbose()) {
            e.printStackTrace(err);
        } else if (code == ExitCode.INTERNAL) {
            err.println("quiesce: rerun with --verbose for the stack trace");
        }
        err.flush();
        return code;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("quiesce: " + e.getMessage());
        err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return ExitCode.USAGE;
    }

    static int exitCode(Throwable e) {
        if (e instanceof CliException cli) {
            return cli.exitCode();
        }
        if (e instanceof IllegalArgumentException || e instanceof ProviderNotFoundException) {
            return ExitCode.USAGE;
        }
        if (e instanceof NoSuchFileException || e instanceof FileNotFoundException
                || e instanceof AccessDeniedException) {
            return ExitCode.NOT_FOUND;
        }
        if (e instanceof CorruptFilesystemException) {
            return ExitCode.CORRUPT;
        }
        if (e instanceof NoSpaceException || e instanceof NoSpaceLeftException || isNoSpace(e)) {
            return ExitCode.NO_SPACE;
        }
        if (e instanceof InterruptedException || e instanceof CancellationException) {
            return ExitCode.INTERRUPTED;
        }
        if (e instanceof MountException || e instanceof TargetFrozenException) {
            return ExitCode.MOUNT_REFUSED;
        }
        if (e instanceof QuiesceException || e instanceof ProviderCreationException) {
            return ExitCode.SNAPSHOT_FAILED;
        }
        if (e instanceof IOException) {
            return ExitCode.NOT_FOUND;
        }
        return ExitCode.INTERNAL;
    }

    /** Whether an I/O error is the operating system's "no space left on device". */
    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSpaceException || t instanceof NoSpaceLeftException
                    || (t instanceof IOException && String.valueOf(t.getMessage()).contains("No space left on device"))) {
                return true;
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CommandLine.ExecutionException || t instanceof java.lang.reflect.UndeclaredThrowableException
                || t instanceof java.util.concurrent.ExecutionException || t instanceof java.io.UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String message(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof InterruptedException) {
            return "interrupted";
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
