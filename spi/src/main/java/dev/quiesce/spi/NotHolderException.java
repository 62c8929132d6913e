package dev.quiesce.spi;

/** The caller asked to release or renew a freeze it does not hold (SPEC.md F3). */
public final class NotHolderException extends FreezeException {
    private static final long serialVersionUID = 1L;

    public NotHolderException(String target, String caller) {
        super(target, "'" + caller + "' does not hold a freeze of this target");
    }
}
