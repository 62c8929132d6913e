package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiesce.cdi.FreezeVetoedException;
import dev.quiesce.core.FreezeWindowExceededException;
import dev.quiesce.core.ProviderNotFoundException;
import dev.quiesce.fs.CorruptFilesystemException;
import dev.quiesce.fs.fuse.MountException;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every kind of failure maps to its documented exit code, as one line. */
class ErrorReporterTest {

    @Test
    void eachFailureHasItsExitCode() {
        record Case(Exception error, int code) { }
        List<Case> cases = List.of(
                new Case(new NoSuchFileException("/x.img"), ExitCode.NOT_FOUND),
                new Case(new CorruptFilesystemException("/x.img", 0, "bad magic"), ExitCode.CORRUPT),
                new Case(new NoSpaceException("dmsnap", "s", "store full"), ExitCode.NO_SPACE),
                new Case(new IOException("write failed", new IOException("No space left on device")), ExitCode.NO_SPACE),
                new Case(new FreezeTimeoutException("vol", Duration.ofSeconds(1)), ExitCode.SNAPSHOT_FAILED),
                new Case(new FreezeWindowExceededException("vol", Duration.ofSeconds(10), Duration.ofSeconds(11)),
                        ExitCode.SNAPSHOT_FAILED),
                new Case(new FreezeVetoedException("nightly", new IllegalStateException("busy")), ExitCode.SNAPSHOT_FAILED),
                new Case(new ProviderNotFoundException("zfs", List.of("dmsnap")), ExitCode.USAGE),
                new Case(new IllegalArgumentException("bad size"), ExitCode.USAGE),
                new Case(new InterruptedException(), ExitCode.INTERRUPTED),
                new Case(new MountException("/mnt", "something is already mounted there"), ExitCode.MOUNT_REFUSED),
                new Case(new TargetFrozenException("/mnt", "cannot unmount a frozen filesystem"), ExitCode.MOUNT_REFUSED),
                new Case(new CliException(ExitCode.CHECK_FAILED, "not verified"), ExitCode.CHECK_FAILED),
                new Case(new IllegalStateException("a bug"), ExitCode.INTERNAL));
        for (Case c : cases) {
            assertEquals(c.code(), ErrorReporter.exitCode(c.error()), c.error()::toString);
        }
    }

    @Test
    void anInternalErrorSaysHowToGetTheTrace() {
        StringWriter err = new StringWriter();
        Console console = new Console();
        console.connect(new PrintWriter(new StringWriter()), new PrintWriter(err));
        int code = new ErrorReporter(console).report(new IllegalStateException("a bug"));
        assertEquals(ExitCode.INTERNAL, code);
        assertEquals("quiesce: internal error: a bug\nquiesce: rerun with --verbose for the stack trace\n",
                err.toString());
    }
}
