package dev.quiesce.dmsnap;

import java.io.IOException;

/**
 * An origin write was refused because the origin is being rolled back to a snapshot
 * ({@link DmsnapProvider#merge}); a merge interrupted by a crash must be finished by
 * calling {@code merge} again before the origin takes writes.
 */
public final class MergeInProgressException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String snapshot;

    public MergeInProgressException(String origin, String snapshot) {
        super(origin + ": merge of snapshot '" + snapshot + "' in progress; writes wait until it finishes");
        this.snapshot = snapshot;
    }

    /** The snapshot being merged. */
    public String snapshot() {
        return snapshot;
    }
}
