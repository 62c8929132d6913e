package dev.quiesce.spi;

/** The provider cannot take this operation now (another is in progress on the same source); retry later. Nothing was changed (SPEC.md S7). */
public final class ProviderBusyException extends SnapshotException {
    private static final long serialVersionUID = 1L;

    public ProviderBusyException(String provider, String snapshot, String message) {
        super(provider, snapshot, message);
    }
}
