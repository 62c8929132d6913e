package dev.quiesce.filecopy;

import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.nio.file.Path;
import java.util.Optional;

/** One technique of the provider: what it needs of a source, and its prepare, cut, complete and undo. */
interface CutMethod {

    Capabilities capabilities();

    /** Why {@code source} cannot be snapshotted by this technique, or empty if it can (S8, S12). */
    Optional<String> unsupportedReason(SnapshotSource source);

    /** The slow work before the freeze; {@code image} is where a copy would go. */
    Work prepare(SnapshotRequest request, Path image) throws SnapshotException;

    /** Releases what a deleted snapshot's record pointed at. */
    void delete(SnapshotRecord record) throws SnapshotException;

    /** One pending snapshot's work, in order: {@link #cut}, {@link #complete}; {@link #abort} at any point. */
    interface Work {
        /** Under the freeze: captures the image and returns where it is. */
        Path cut(Cancellation cancellation) throws SnapshotException;

        /** After the thaw: makes the image durable and final at the path {@link #cut} returned. */
        void complete() throws SnapshotException;

        /** Undoes everything this work created; must not throw. */
        void abort();
    }

    /** Lets an abort from another thread stop a long copy between chunks. */
    interface Cancellation {
        boolean cancelled();
    }
}
