package dev.quiesce.tck;

/** How binding a SPEC.md rule is. */
public enum Strength {
    /** Checked by the kit; a failure means the implementation is wrong. */
    MUST,
    /** Checked where it can be; reported NOT_APPLICABLE, with why, where it cannot. */
    SHOULD
}
