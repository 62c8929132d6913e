package dev.quiesce.spi;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot a provider made.
 *
 * <p>Contract (SPEC.md):
 * <ul>
 *   <li>S1: {@link #open()} reads back byte for byte what the source held at the cut
 *       (for the blocks in use, when a {@link BlockUsage} came with the request; other
 *       blocks read as zeros).</li>
 *   <li>S2: later writes to the source never change what it reads.</li>
 *   <li>S3: the device {@link #open()} returns is read-only.</li>
 *   <li>S13: an invalid snapshot fails every read with {@link InvalidSnapshotException}.</li>
 * </ul>
 */
public interface Snapshot {

    /** An identifier unique within the provider, stable across restarts. */
    String id();

    /** The caller's name for it (S4). */
    String name();

    /** The {@link SnapshotSource#id()} of what was snapshotted. */
    String sourceId();

    Technique technique();

    /** When it was cut. */
    Instant createdAt();

    /** Whether post-processing after the thaw is done, so {@link #open()} may be used. */
    boolean isReady();

    /** Whether it can still be read (S13). */
    default boolean isValid() {
        return true;
    }

    /** The block-usage bitmap it was cut with, if any (S1). */
    default Optional<BlockUsage> blockUsage() {
        return Optional.empty();
    }

    /** A read-only view of its contents (S1-S3); the caller closes it. */
    BlockDevice open() throws IOException;
}
