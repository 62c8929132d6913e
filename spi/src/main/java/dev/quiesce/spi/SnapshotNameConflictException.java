package dev.quiesce.spi;

/** A snapshot of that name already exists of another source (SPEC.md S5). Pick another name or delete the old snapshot. */
public final class SnapshotNameConflictException extends SnapshotException {
    private static final long serialVersionUID = 1L;

    public SnapshotNameConflictException(String provider, String snapshot, String existingSource, String requestedSource) {
        super(provider, snapshot, "name already used for source '" + existingSource
                + "', cannot reuse it for '" + requestedSource + "'");
    }
}
