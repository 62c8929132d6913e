package dev.quiesce.spi;

/** How the time a provider's cut spends under the freeze grows (SPEC.md S8, C3). */
public enum CutCost {
    /** The same whatever the size of the source. */
    CONSTANT,
    /** Proportional to the blocks in use (a copy that skips free space). */
    USED_BLOCKS,
    /** Proportional to the size of the source. */
    DEVICE_SIZE
}
