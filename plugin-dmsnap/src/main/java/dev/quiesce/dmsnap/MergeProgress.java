package dev.quiesce.dmsnap;

/** Told how far a {@link DmsnapProvider#merge merge} has come; called from the merging thread. */
@FunctionalInterface
public interface MergeProgress {

    /** {@code done} of {@code total} chunks have been written back to the origin. */
    void progress(long done, long total);
}
