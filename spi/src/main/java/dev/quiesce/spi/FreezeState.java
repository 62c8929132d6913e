package dev.quiesce.spi;

/** Where a {@link Freezable} stands (SPEC.md F1, F7). */
public enum FreezeState {
    /** Mutations flow. */
    THAWED,
    /** A freeze is draining in-flight mutations; new ones already wait. */
    FREEZING,
    /** At least one hold is active; no write reaches the device (F2). */
    FROZEN
}
