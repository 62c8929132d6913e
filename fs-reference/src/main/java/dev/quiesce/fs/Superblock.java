package dev.quiesce.fs;

/**
 * The commit record: one of two alternating copies at blocks 0 and 1 (copy {@code seq & 1}).
 * The copy with the highest valid sequence number is the last committed state.
 * Layout in {@link DiskFormat} and FORMAT.md.
 */
record Superblock(long volumeId, long seq, int blockSize, long blockCount,
                  TreeRef itable, TreeRef orphans, TreeRef bitmap,
                  long logHead, int logCount, long rollup, long nextInode,
                  long inodeCount, long freeBlocks, long freeAtRollup) {

    Superblock committed(long newSeq, TreeRef newItable, TreeRef newOrphans, TreeRef newBitmap,
                         long newLogHead, int newLogCount, long newRollup, long newNextInode,
                         long newInodeCount, long newFree, long newFreeAtRollup) {
        return new Superblock(volumeId, newSeq, blockSize, blockCount, newItable, newOrphans, newBitmap,
                newLogHead, newLogCount, newRollup, newNextInode, newInodeCount, newFree, newFreeAtRollup);
    }
}
