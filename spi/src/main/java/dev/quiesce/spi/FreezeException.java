package dev.quiesce.spi;

/**
 * A freeze or one of its holds failed. {@link #target()} names the {@link Freezable}.
 * After a {@code FreezeException} from {@link Freezable#freeze} the target is as it was
 * before the call (SPEC.md F5).
 */
public class FreezeException extends QuiesceException {
    private static final long serialVersionUID = 1L;
    private final String target;

    public FreezeException(String target, String message) {
        super(target + ": " + message);
        this.target = target;
    }

    public FreezeException(String target, String message, Throwable cause) {
        super(target + ": " + message, cause);
        this.target = target;
    }

    /** The name of the target the error is about. */
    public String target() {
        return target;
    }
}
