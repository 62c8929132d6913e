package dev.quiesce.spi;

/** The hold's lease lapsed before it was renewed or used, so the target thawed underneath the caller (SPEC.md F9, C5). Anything cut after the lapse is not consistent. */
public final class LeaseLapsedException extends FreezeException {
    private static final long serialVersionUID = 1L;

    public LeaseLapsedException(String target, String holder) {
        super(target, "the freeze lease of '" + holder + "' lapsed; the target thawed");
    }
}
