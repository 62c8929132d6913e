package dev.quiesce.spi;

import java.io.IOException;

/**
 * A snapshot can no longer be read because it is invalid (for example its copy-on-write
 * store overflowed). Reads fail with this error rather than return wrong data (SPEC.md S13).
 */
public final class InvalidSnapshotException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String snapshot;

    public InvalidSnapshotException(String snapshot, String why) {
        super("snapshot '" + snapshot + "' is invalid: " + why);
        this.snapshot = snapshot;
    }

    public String snapshot() {
        return snapshot;
    }
}
