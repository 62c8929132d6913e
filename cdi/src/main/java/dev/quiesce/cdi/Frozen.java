package dev.quiesce.cdi;

import java.time.Duration;
import java.time.Instant;

/**
 * Fired asynchronously when one target has frozen. Delivered only to
 * {@code @ObservesAsync} observers, on a notification thread, never on the thread that
 * holds the freeze: whatever an observer does (even sleep) cannot lengthen the freeze
 * window, which the coordinator bounds (SPEC.md C3). When the notification threads are
 * saturated the notice is dropped rather than delaying the freeze.
 *
 * @param operation the snapshot (or snapshot set) name
 * @param target    the {@link dev.quiesce.spi.Freezable} that froze
 * @param frozenAt  when its freeze completed
 * @param freezeTook how long draining and flushing took (F1)
 */
public record Frozen(String operation, String target, Instant frozenAt, Duration freezeTook) {
}
