package dev.quiesce.fs;

/**
 * Out-of-space accounting: every front-end change reserves its worst-case cost in
 * blocks before it touches anything, against the free blocks of the last commit minus
 * what the committing and the current delta already reserved and minus a floor. A
 * change that frees space (unlink, rmdir, shrinking truncate) may use the floor, so they
 * work on a full volume; the floor also covers each commit's own log blocks and the
 * bitmap blocks a rollup writes, so a commit never runs out of space.
 *
 * <p>The worst case of one change: each tree it touches (at most three: the inode table,
 * a directory or an extent tree, the orphan table) may need its whole path copied and
 * split, 2 x (depth + 1) blocks, plus twice the data blocks written (the data and the
 * extent leaves that map them). Depth is bounded from the inode count and the fanout.
 * Guarded by the volume lock.
 */
final class SpaceAccounting {
    private final long floor;
    private final int minFanout;
    private long committingReserved;

    SpaceAccounting(long blockCount, int blockSize) {
        this.floor = Math.max(64, Math.min(1024, blockCount / 100));
        this.minFanout = Math.max(2, (blockSize - DiskFormat.HEADER) / (2 * 275));
    }

    long floor() {
        return floor;
    }

    /** Worst-case blocks of a change that writes {@code dataBlocks} blocks of data. */
    long cost(long dataBlocks, long inodes) {
        int depth = 1;
        long reach = minFanout;
        while (reach < Math.max(inodes, 1) * 4 + dataBlocks && depth < 40) {
            reach *= minFanout;
            depth++;
        }
        return 2L * dataBlocks + 3L * 2 * (depth + 2);
    }

    boolean tryReserve(Delta current, long cost, boolean freeing, long publishedFree) {
        long available = available(current, publishedFree) + (freeing ? floor : 0);
        if (cost > available) {
            return false;
        }
        current.reserved += cost;
        return true;
    }

    /**
     * Whether {@code cost} would fit if no other change held a reservation. When it would,
     * a refusal is only other changes' worst-case promises, which the next commits settle;
     * when it would not, the volume really is short.
     */
    boolean fitsAlone(long cost, boolean freeing, long publishedFree) {
        return cost <= Math.max(0, publishedFree - floor) + (freeing ? floor : 0);
    }

    long available(Delta current, long publishedFree) {
        return Math.max(0, publishedFree - committingReserved - current.reserved - floor);
    }

    void committing(Delta delta) {
        committingReserved = delta.reserved;
    }

    void committed() {
        committingReserved = 0;
    }
}
