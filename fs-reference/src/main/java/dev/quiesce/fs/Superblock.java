package dev.quiesce.fs;

/**
 * The commit record: one of two alternating copies at blocks 0 and 1 (copy {@code seq & 1}).
 * The copy with the highest valid sequence number is the last committed state.
 * {@code cleanRollup}: the bitmap was written with nothing left to log (at format, or by
 * a freeze's rollup), so the chain since, if any, does not open with UNIFY.
 * Layout in {@link DiskFormat} and FORMAT.md.
 */
record Superblock(long volumeId, long seq, int blockSize, long blockCount,
                  TreeRef itable, TreeRef orphans, TreeRef bitmap,
                  long logHead, int logCount, long rollup, long nextInode,
                  long inodeCount, long freeBlocks, long freeAtRollup, boolean cleanRollup) {

    Superblock committed(long newSeq, TreeRef newItable, TreeRef newOrphans, TreeRef newBitmap,
                         long newLogHead, int newLogCount, long newRollup, long newNextInode,
                         long newInodeCount, long newFree, long newFreeAtRollup, boolean newCleanRollup) {
        return new Superblock(volumeId, newSeq, blockSize, blockCount, newItable, newOrphans, newBitmap,
                newLogHead, newLogCount, newRollup, newNextInode, newInodeCount, newFree, newFreeAtRollup,
                newCleanRollup);
    }
}
