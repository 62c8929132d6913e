package dev.quiesce.spi;

/** The provider's store has no room for this snapshot; free space or give it a bigger store. Nothing was left behind (SPEC.md S7). */
public final class NoSpaceException extends SnapshotException {
    private static final long serialVersionUID = 1L;

    public NoSpaceException(String provider, String snapshot, String message) {
        super(provider, snapshot, message);
    }

    public NoSpaceException(String provider, String snapshot, String message, Throwable cause) {
        super(provider, snapshot, message, cause);
    }
}
