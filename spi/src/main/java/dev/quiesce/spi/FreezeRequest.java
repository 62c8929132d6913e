package dev.quiesce.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What a caller asks of {@link Freezable#freeze}: who holds the freeze, how long the hold
 * lasts without renewal, and how long the freeze itself may take (SPEC.md F5, F8).
 *
 * @param holder        who asks, for reports and errors; not blank
 * @param lease         how long the hold lasts after the freeze completes unless renewed
 *                      (F8: the lease starts when the freeze completes, not when asked)
 * @param freezeTimeout the bound on draining and flushing before {@code freeze} gives up
 */
public record FreezeRequest(String holder, Duration lease, Duration freezeTimeout) {

    /** VSS cancels its flush-and-hold after 10 s; so do we by default. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** A freeze that drains for longer than this is considered stuck. */
    public static final Duration DEFAULT_FREEZE_TIMEOUT = Duration.ofSeconds(30);

    public FreezeRequest {
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(freezeTimeout, "freezeTimeout");
        if (holder.isBlank()) {
            throw new IllegalArgumentException("freeze holder must not be blank");
        }
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        if (freezeTimeout.isNegative() || freezeTimeout.isZero()) {
            throw new IllegalArgumentException("freezeTimeout must be positive, was " + freezeTimeout);
        }
    }

    /** A request with the default lease and freeze timeout. */
    public static FreezeRequest of(String holder) {
        return new FreezeRequest(holder, DEFAULT_LEASE, DEFAULT_FREEZE_TIMEOUT);
    }

    public FreezeRequest withLease(Duration newLease) {
        return new FreezeRequest(holder, newLease, freezeTimeout);
    }

    public FreezeRequest withFreezeTimeout(Duration newTimeout) {
        return new FreezeRequest(holder, lease, newTimeout);
    }
}
