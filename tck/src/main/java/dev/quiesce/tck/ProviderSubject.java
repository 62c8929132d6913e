package dev.quiesce.tck;

import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One fresh provider for one {@link SnapshotProviderKit} test, and the sources it can
 * snapshot. The kit writes to a source only through {@link SnapshotSource#device()}, so a
 * copy-on-write provider hands out sources whose device is its origin device (the one
 * that copies old data aside before a write).
 *
 * <p>The kit closes the subject after each test.
 */
@SuppressWarnings("try") // close() may throw whatever the vendor's cleanup throws
public interface ProviderSubject extends AutoCloseable {

    /** The provider under test. */
    SnapshotProvider provider();

    /**
     * A fresh writable source the provider supports, with an id no other source of this
     * subject has. A few hundred blocks are plenty; the kit reads every block.
     */
    SnapshotSource newSource() throws Exception;

    /** A source the provider does not support, for S12; empty if every source is supported. */
    default Optional<SnapshotSource> unsupportedSource() throws Exception {
        return Optional.empty();
    }

    /**
     * Bytes the provider's store uses now (files, store device), for S7: after an abort it
     * must be back where it was. Empty if the subject cannot measure it.
     */
    default OptionalLong storeBytesUsed() throws Exception {
        return OptionalLong.empty();
    }

    /**
     * Makes {@code snapshot} invalid the way the provider really can become so (for example
     * by filling its copy-on-write store with writes to {@code source}), for S13. Returns
     * false if the provider has no such state; S13 is then NOT_APPLICABLE.
     */
    default boolean invalidate(SnapshotSource source, Snapshot snapshot) throws Exception {
        return false;
    }

    /**
     * A witness of the device under {@code source}, for S9: whatever the provider writes
     * there outside its copy-on-write machinery. Without one the kit compares the source's
     * content before and after the cut.
     */
    default Optional<DeviceWitness> witness(SnapshotSource source) {
        return Optional.empty();
    }

    /** Releases everything: the provider, its store, the sources. */
    @Override
    void close() throws Exception;
}
