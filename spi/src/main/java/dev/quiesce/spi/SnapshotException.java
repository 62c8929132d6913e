package dev.quiesce.spi;

/**
 * A snapshot operation failed. {@link #snapshot()} names the snapshot (may be null for
 * provider-wide failures) and {@link #provider()} the provider. A provider that throws
 * it leaves nothing it created behind (SPEC.md S7) and never thaws the source (S9).
 */
public class SnapshotException extends QuiesceException {
    private static final long serialVersionUID = 1L;
    private final String provider;
    private final String snapshot;

    public SnapshotException(String provider, String snapshot, String message) {
        super(prefix(provider, snapshot) + message);
        this.provider = provider;
        this.snapshot = snapshot;
    }

    public SnapshotException(String provider, String snapshot, String message, Throwable cause) {
        super(prefix(provider, snapshot) + message, cause);
        this.provider = provider;
        this.snapshot = snapshot;
    }

    private static String prefix(String provider, String snapshot) {
        return provider + (snapshot == null ? "" : " snapshot '" + snapshot + "'") + ": ";
    }

    public String provider() { return provider; }

    public String snapshot() { return snapshot; }
}
