package dev.quiesce.filecopy;

/** Where a {@link MirroredBlockDevice}'s replica stands. */
public enum MirrorState {
    /** Every write goes to both legs; the replica equals the primary except in regions marked in the log. */
    MIRRORED,
    /** The replica is attached and written, but some regions still have to be copied from the primary. */
    RESYNCING,
    /** The replica was split off (it is a snapshot); writes go to the primary only and the changed regions are tracked. */
    SPLIT
}
