package dev.quiesce.spi;

import java.util.List;
import java.util.Optional;

/**
 * Makes, lists and deletes snapshots of sources by one technique. Found through a
 * {@link SnapshotProviderFactory} registered with {@link java.util.ServiceLoader}.
 *
 * <p>Contract (SPEC.md):
 * <ul>
 *   <li>S4: creating with a name that exists for the same source returns that snapshot.</li>
 *   <li>S5: a name that exists for another source fails with
 *       {@link SnapshotNameConflictException}.</li>
 *   <li>S6: deleting a missing snapshot succeeds; a deleted snapshot is not listed.</li>
 *   <li>S8: {@link #capabilities()} are truthful, and a source {@link #supports} accepts can
 *       be snapshotted.</li>
 *   <li>S10: {@link #list()} shows every snapshot created and not deleted.</li>
 *   <li>S11: deleting one snapshot leaves every other one exact.</li>
 *   <li>S12: a source it does not support fails in {@code prepare} with
 *       {@link UnsupportedSourceException}, touching nothing.</li>
 * </ul>
 */
public interface SnapshotProvider extends AutoCloseable {

    /** The name it was registered under, e.g. {@code dmsnap}. */
    String name();

    Capabilities capabilities();

    /** Whether {@link #prepare} can snapshot {@code source} (S8, S12). */
    boolean supports(SnapshotSource source);

    /**
     * Does the slow work before the freeze (allocating space, setting up tracking).
     * Abortable through the returned {@link PendingSnapshot}.
     */
    PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException;

    /**
     * Prepares, cuts and completes in one call, aborting on failure. Only consistent when
     * the caller froze the source or {@link Capabilities#freezesSourceItself()} is true.
     */
    default Snapshot create(SnapshotRequest request) throws SnapshotException {
        PendingSnapshot pending = prepare(request);
        try {
            pending.cut();
            return pending.complete();
        } catch (SnapshotException | RuntimeException e) {
            pending.abort();
            throw e;
        }
    }

    /** Every snapshot this provider holds (S10). */
    List<Snapshot> list() throws SnapshotException;

    /** The snapshot called {@code name}, if any. */
    default Optional<Snapshot> find(String name) throws SnapshotException {
        return list().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Deletes the snapshot called {@code name}; a missing one is not an error (S6). */
    void delete(String name) throws SnapshotException;

    /** Releases the provider; snapshots it persisted remain. */
    @Override
    void close() throws SnapshotException;
}
