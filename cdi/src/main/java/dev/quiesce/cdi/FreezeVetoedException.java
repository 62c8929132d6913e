package dev.quiesce.cdi;

import dev.quiesce.spi.QuiesceException;

/**
 * A {@link BeforeFreeze} observer threw, so the operation was abandoned before anything
 * was prepared or frozen. The cause is the observer's exception.
 */
public final class FreezeVetoedException extends QuiesceException {
    private static final long serialVersionUID = 1L;
    private final String operation;

    public FreezeVetoedException(String operation, Throwable cause) {
        super(operation + ": vetoed before the freeze by an observer: " + cause, cause);
        this.operation = operation;
    }

    public String operation() {
        return operation;
    }
}
