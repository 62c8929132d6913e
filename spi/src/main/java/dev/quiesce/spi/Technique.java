package dev.quiesce.spi;

/** How a provider makes a snapshot (SPEC.md S8: claimed means creatable). */
public enum Technique {
    /** Old data is copied aside on the first write after the cut (dm-snapshot, LVM thick, thin). */
    COPY_ON_WRITE,
    /** A replica kept in step with the source is detached at the cut. */
    SPLIT_MIRROR,
    /** The source is copied under the freeze. */
    FULL_COPY,
    /** A copy-on-write clone made by the host filesystem (btrfs, xfs reflink). */
    REFLINK
}
