package dev.quiesce.fs;

/**
 * What {@link Dusk#statfs} reports: the volume geometry and how much of it is free.
 *
 * @param blockSize   bytes per block
 * @param blocks      blocks on the volume
 * @param freeBlocks  blocks not allocated in the live bitmap (blocks still referenced by
 *                    the last commit but already released count as used until it commits)
 * @param availableBlocks free blocks minus the reserve kept for commits and for
 *                    unlink/truncate on a full volume, minus reservations of open deltas
 * @param inodes      inodes in use
 */
public record FsStat(int blockSize, long blocks, long freeBlocks, long availableBlocks, long inodes) {
}
