package dev.quiesce.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * One holder's hold on a frozen {@link Freezable}: the capability to thaw it.
 *
 * <p>Contract (SPEC.md):
 * <ul>
 *   <li>F3: {@link #thaw()} is single-shot: of any number of thaws of this handle, from
 *       any threads at once, exactly one releases the hold; the rest return
 *       {@link ThawResult#ALREADY_THAWED} (or {@link ThawResult#LAPSED}).</li>
 *   <li>F4: a thaw racing the lease expiry releases once: either the thaw wins
 *       ({@code THAWED} or {@code STILL_FROZEN}) or the expiry does ({@code LAPSED}).</li>
 *   <li>F8: the lease starts when the freeze completes; {@link #renew()} extends it to
 *       {@code now + lease}; renewing a lapsed hold fails with
 *       {@link LeaseLapsedException}, a thawed one with {@link AlreadyThawedException}.</li>
 *   <li>F9: when the lease lapses the hold is released and {@link #lapsed()} turns true.</li>
 *   <li>F14: {@link #close()} thaws, so try-with-resources never leaves a hold behind;
 *       closing a handle already released is a no-op.</li>
 * </ul>
 */
public interface FreezeHandle extends AutoCloseable {

    /** Who holds this freeze, as given in the request. */
    String holder();

    /** The lease this handle was granted (renewals extend by this much). */
    Duration lease();

    /** Releases this hold exactly once (F3, F4) and says what happened. */
    ThawResult thaw();

    /**
     * Extends the lease to now + {@link #lease()} (F8).
     *
     * @throws LeaseLapsedException   if the lease already lapsed (the hold is gone)
     * @throws AlreadyThawedException if this handle was thawed
     */
    void renew() throws LeaseLapsedException, AlreadyThawedException;

    /** Whether the lease lapsed before the handle was thawed (F9). */
    boolean lapsed();

    /** Whether this handle still holds the freeze. */
    boolean isHeld();

    /** How long the freeze took to complete: request to frozen (F1). */
    Duration freezeDuration();

    /**
     * The blocks of the frozen target's device in use at the moment of the freeze, if
     * the target can tell (F15). Providers use it to skip free space.
     */
    default Optional<BlockUsage> blockUsage() {
        return Optional.empty();
    }

    /** Thaws (F14); never throws. */
    @Override
    default void close() {
        thaw();
    }
}
