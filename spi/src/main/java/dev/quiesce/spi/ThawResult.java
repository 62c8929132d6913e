package dev.quiesce.spi;

/** What one {@link FreezeHandle#thaw()} did (SPEC.md F3, F4, F7, F9). */
public enum ThawResult {
    /** This call released the last hold: the target is thawed. */
    THAWED,
    /** This call released its hold, but other holders still keep the target frozen (F7). */
    STILL_FROZEN,
    /** An earlier thaw of this handle already released the hold; nothing was done (F3). */
    ALREADY_THAWED,
    /** The lease lapsed first and released the hold; nothing was done now (F4, F9). */
    LAPSED;

    /** Whether this very call released the hold. */
    public boolean released() {
        return this == THAWED || this == STILL_FROZEN;
    }
}
