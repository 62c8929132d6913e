package dev.quiesce.tck;

import java.time.Duration;

/**
 * Holds the next mutation in flight until closed, so the kit can make a freeze that
 * cannot drain (SPEC.md F5, F6, F8). See {@link StallingBlockDevice} for a ready one.
 */
public interface MutationStall extends AutoCloseable {

    /** Waits until a mutation is held by this stall; false if none arrived in time. */
    boolean awaitStalled(Duration timeout) throws InterruptedException;

    /** Lets the stalled mutation (if any) finish; stalls nothing more. Idempotent. */
    @Override
    void close();
}
