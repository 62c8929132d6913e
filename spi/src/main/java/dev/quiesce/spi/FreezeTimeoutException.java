package dev.quiesce.spi;

/** The freeze did not complete within its request's bound; the target was left as it was (SPEC.md F5). Retry later or with a longer timeout. */
public final class FreezeTimeoutException extends FreezeException {
    private static final long serialVersionUID = 1L;

    public FreezeTimeoutException(String target, java.time.Duration bound) {
        super(target, "freeze did not complete within " + bound + "; target left thawed");
    }
}
