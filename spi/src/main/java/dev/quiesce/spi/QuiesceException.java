package dev.quiesce.spi;

/**
 * The root of Quiesce's checked errors. Every subtype carries what the caller needs to
 * act on it (the target, the snapshot, the rule broken) and keeps its cause.
 */
public class QuiesceException extends Exception {
    private static final long serialVersionUID = 1L;

    public QuiesceException(String message) {
        super(message);
    }

    public QuiesceException(String message, Throwable cause) {
        super(message, cause);
    }
}
