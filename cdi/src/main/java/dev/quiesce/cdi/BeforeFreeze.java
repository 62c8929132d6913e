package dev.quiesce.cdi;

import java.util.List;

/**
 * Fired synchronously, on the thread that asked for the snapshot, before anything is
 * prepared or frozen: the moment for an application to flush its own state (VSS calls
 * it PrepareForSnapshot/Freeze on its writers). Observers run in {@code @Priority}
 * order, lowest first. An observer that throws vetoes the snapshot: nothing is
 * prepared, nothing is frozen, and the caller gets a {@link FreezeVetoedException}
 * carrying the observer's exception as its cause.
 *
 * @param operation the snapshot (or snapshot set) name
 * @param targets   the names of the {@link dev.quiesce.spi.Freezable}s about to freeze,
 *                  in freezing order
 */
public record BeforeFreeze(String operation, List<String> targets) {
    public BeforeFreeze {
        targets = List.copyOf(targets);
    }
}
