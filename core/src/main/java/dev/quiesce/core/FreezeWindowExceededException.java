package dev.quiesce.core;

import dev.quiesce.spi.QuiesceException;
import java.time.Duration;

/**
 * The cut did not finish within the freeze-window budget, so it was abandoned: every
 * target was thawed and every snapshot of the attempt aborted (SPEC.md C3). Retry when
 * the system is less busy, or give the provider a cheaper cut.
 */
public final class FreezeWindowExceededException extends QuiesceException {
    private static final long serialVersionUID = 1L;
    private final Duration budget;
    private final Duration elapsed;
    private final String targets;

    public FreezeWindowExceededException(String targets, Duration budget, Duration elapsed) {
        super(targets + ": the cut did not finish within the freeze-window budget of " + budget
                + " (abandoned after " + elapsed + "); targets thawed, snapshots aborted");
        this.targets = targets;
        this.budget = budget;
        this.elapsed = elapsed;
    }

    /** The budget that was exceeded. */
    public Duration budget() { return budget; }

    /** How long the targets were frozen before the cut was abandoned. */
    public Duration elapsed() { return elapsed; }

    /** The names of the frozen targets. */
    public String targets() { return targets; }
}
