package dev.quiesce.cli;

/**
 * The exit codes of every {@code quiesce} command. Scripts may rely on them; the same
 * list is printed at the end of {@code quiesce --help}.
 */
public final class ExitCode {
    /** The command did what it was asked. */
    public static final int OK = 0;
    /** A check failed: a backup did not verify, a kit rule failed, the demo's verdict was negative. */
    public static final int CHECK_FAILED = 1;
    /** The command line is wrong: unknown option or command, bad value, unknown provider. */
    public static final int USAGE = 2;
    /** An input (image, file, snapshot, plugin jar) does not exist or cannot be read. */
    public static final int NOT_FOUND = 3;
    /** An image is corrupt or not a reference-filesystem image (fsck found problems, mount refused it). */
    public static final int CORRUPT = 4;
    /** The target has no room; nothing partial was left behind. */
    public static final int NO_SPACE = 5;
    /** The freeze or the snapshot failed (vetoed, timed out, window overrun, lease lapsed, provider error). */
    public static final int SNAPSHOT_FAILED = 6;
    /**
     * A mount or unmount was refused: the directory is busy or already mounted, the image
     * is in use by another mount, the filesystem is frozen, or FUSE is not available.
     */
    public static final int MOUNT_REFUSED = 7;
    /** An unexpected internal error: rerun with --verbose and report the stack trace. */
    public static final int INTERNAL = 70;
    /** Interrupted (Ctrl-C); the filesystem was thawed and partial output removed. */
    public static final int INTERRUPTED = 130;

    /** The list for {@code @Command(exitCodeList = ...)}. */
    static final String[] HELP = {
        "0:success",
        "1:a check failed (backup not verified, kit rule failed, demo verdict)",
        "2:bad command line, or unknown provider",
        "3:input missing or unreadable",
        "4:image corrupt or not a reference filesystem (fsck found problems)",
        "5:no space on the target (nothing partial left)",
        "6:freeze or snapshot failed",
        "7:mount or unmount refused (busy, image in use, frozen, or no FUSE)",
        "70:internal error (rerun with --verbose and report it)",
        "130:interrupted; filesystem thawed, partial output removed",
    };

    private ExitCode() {
    }
}
