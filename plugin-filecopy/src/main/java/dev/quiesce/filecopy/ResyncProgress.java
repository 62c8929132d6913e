package dev.quiesce.filecopy;

/**
 * How far a resync of a {@link MirroredBlockDevice} has come.
 *
 * @param regionsDone  regions copied (and made durable) so far in this resync
 * @param regionsTotal regions that needed copying when this resync started
 * @param bytesCopied  bytes actually written to the replica (regions already equal are skipped)
 */
public record ResyncProgress(long regionsDone, long regionsTotal, long bytesCopied) {

    /** Done as a fraction from 0 to 1; an empty resync is complete. */
    public double fraction() {
        return regionsTotal == 0 ? 1.0 : (double) regionsDone / regionsTotal;
    }
}
