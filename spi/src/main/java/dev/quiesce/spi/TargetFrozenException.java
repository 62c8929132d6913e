package dev.quiesce.spi;

import java.io.IOException;

/**
 * An operation that would deadlock or break a freeze was refused: a mutation from the
 * thread that holds the freeze (SPEC.md F11), or closing a frozen target (F13). Thaw
 * first, or do the work from another thread.
 */
public final class TargetFrozenException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String target;

    public TargetFrozenException(String target, String message) {
        super(target + ": " + message);
        this.target = target;
    }

    public String target() {
        return target;
    }
}
