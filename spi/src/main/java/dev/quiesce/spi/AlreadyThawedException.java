package dev.quiesce.spi;

/** The handle was already thawed; it holds nothing any more (SPEC.md F3, F8). */
public final class AlreadyThawedException extends FreezeException {
    private static final long serialVersionUID = 1L;

    public AlreadyThawedException(String target, String holder) {
        super(target, "the freeze of '" + holder + "' was already thawed");
    }
}
