package dev.quiesce.spi;

/**
 * The root of Quiesce's checked errors. Every subtype carries what the caller needs to
 * act on it (the target, the snapshot, the rule broken) and keeps its cause. Freeze
 * errors leave the target as it was (SPEC.md F5, F6); snapshot errors leave nothing
 * behind (S7).
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
