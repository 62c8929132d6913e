package dev.quiesce.spi;

/**
 * Something that can be frozen for a consistent cut: a filesystem, a block device, a
 * database. Freezing blocks new mutations, drains those in flight and makes everything
 * durable; the returned {@link FreezeHandle} is the only way to release the hold.
 *
 * <p>Contract (SPEC.md, rules F1-F16):
 * <ul>
 *   <li>F1: {@link #freeze} returns only when new mutations are blocked, in-flight ones
 *       have completed and everything they wrote is durable on the device.</li>
 *   <li>F2: from then until the last hold is released, no write reaches the device.</li>
 *   <li>F5/F6: a freeze that fails, exceeds {@link FreezeRequest#freezeTimeout()} or is
 *       interrupted leaves the target as it was (thawed if nobody else held it).</li>
 *   <li>F7: several holders may freeze at once; the target thaws when the last hold is
 *       released.</li>
 *   <li>F10: reads never block while frozen.</li>
 *   <li>F11: a mutation from the thread that holds the freeze fails fast with
 *       {@link TargetFrozenException} instead of deadlocking.</li>
 *   <li>F12: concurrent freezes never produce half a freeze.</li>
 *   <li>F13: closing a frozen target is refused with {@link TargetFrozenException}.</li>
 *   <li>F15: {@link FreezeHandle#blockUsage()}, when present, marks every block the
 *       frozen image needs.</li>
 * </ul>
 * Handle-level rules (F3, F4, F8, F9, F14) are on {@link FreezeHandle}.
 */
public interface Freezable {

    /** A name for errors and reports, e.g. the mount point or device path. */
    String name();

    /**
     * Freezes the target for {@code request.holder()} and returns the hold.
     *
     * @throws FreezeTimeoutException if the freeze could not complete within
     *         {@code request.freezeTimeout()} (F5); the target is left as it was
     * @throws FreezeNotSupportedException if this target cannot freeze at all
     * @throws FreezeException for any other failure, with the cause attached (F5)
     * @throws InterruptedException if interrupted while freezing (F6)
     */
    FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException;

    /** The current state, for status reports; it may change right after it is read. */
    FreezeState state();
}
