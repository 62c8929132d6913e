package dev.quiesce.fs;

/**
 * How far a running {@link Dusk#fsck(dev.quiesce.spi.BlockDevice, FsckProgress)} is, for a
 * person watching a check of a large volume. Called on the checking thread, in order:
 * {@value #REPLAY} (log blocks), {@value #INODES} (inodes), {@value #BITMAP} (blocks),
 * each from {@code done == 0} to {@code done == total}, a few hundred times per phase
 * at most. Keep it quick: the check waits for it.
 */
@FunctionalInterface
public interface FsckProgress {
    String REPLAY = "replaying the log";
    String INODES = "checking inodes";
    String BITMAP = "checking the bitmap";

    /** Reports nothing. */
    FsckProgress NONE = (phase, done, total) -> { };

    /** {@code done} of {@code total} units of {@code phase} are checked. */
    void progress(String phase, long done, long total);
}
