package dev.quiesce.core.device;

/**
 * Which crash states {@link CrashSimulatingBlockDevice#crashStates} produces.
 *
 * @param seed               drives the random subsets; print it with a failure to replay
 * @param randomSubsets      random subsets per epoch when an epoch has too many units to
 *                           enumerate them all
 * @param tornUnit           0 for whole-block persistence, else the unit (512 B up to the
 *                           block size, a power of two) in which blocks may tear
 * @param everyFlushBoundary every epoch since the device was created, or only the open
 *                           crash epoch (a crash right now)
 */
public record CrashPlan(long seed, int randomSubsets, int tornUnit, boolean everyFlushBoundary) {
    public CrashPlan {
        if (randomSubsets < 0) {
            throw new IllegalArgumentException("randomSubsets must not be negative, was " + randomSubsets);
        }
    }

    /** Every flush boundary, whole blocks, {@code randomSubsets} random subsets per large epoch. */
    public static CrashPlan everyFlush(long seed, int randomSubsets) {
        return new CrashPlan(seed, randomSubsets, 0, true);
    }

    /** Only a crash now: subsets of the writes since the last flush. */
    public static CrashPlan now(long seed, int randomSubsets) {
        return new CrashPlan(seed, randomSubsets, 0, false);
    }

    /** The same plan with blocks tearing in {@code unit}-byte pieces. */
    public CrashPlan torn(int unit) {
        return new CrashPlan(seed, randomSubsets, unit, everyFlushBoundary);
    }
}
