package dev.quiesce.fs;

/**
 * The commit record: one of two alternating copies at blocks 0 and 1 (copy {@code seq & 1}).
 * The copy with the highest valid sequence number is the last committed state.
 * {@code cleanRollup}: the bitmap was written with nothing left to log (at format, or by
 * a freeze's rollup), so the chain since, if any, does not open with UNIFY.
 * {@code sealedBlocks > 0}: a single-flush commit whose own blocks must match
 * {@code sealCrc} before the superblock counts as committed ({@link CommitSeal}).
 * Layout in {@link DiskFormat} and FORMAT.md.
 */
record Superblock(long volumeId, long seq, int blockSize, long blockCount,
                  TreeRef itable, TreeRef orphans, TreeRef bitmap,
                  long logHead, int logCount, long rollup, long nextInode,
                  long inodeCount, long freeBlocks, long freeAtRollup, boolean cleanRollup,
                  int sealedBlocks, int sealCrc) {

    /** A superblock of a commit that flushed its blocks before writing it (no seal). */
    Superblock(long volumeId, long seq, int blockSize, long blockCount,
               TreeRef itable, TreeRef orphans, TreeRef bitmap,
               long logHead, int logCount, long rollup, long nextInode,
               long inodeCount, long freeBlocks, long freeAtRollup, boolean cleanRollup) {
        this(volumeId, seq, blockSize, blockCount, itable, orphans, bitmap, logHead, logCount, rollup, nextInode,
                inodeCount, freeBlocks, freeAtRollup, cleanRollup, 0, 0);
    }

    Superblock committed(long newSeq, TreeRef newItable, TreeRef newOrphans, TreeRef newBitmap,
                         long newLogHead, int newLogCount, long newRollup, long newNextInode,
                         long newInodeCount, long newFree, long newFreeAtRollup, boolean newCleanRollup) {
        return new Superblock(volumeId, newSeq, blockSize, blockCount, newItable, newOrphans, newBitmap,
                newLogHead, newLogCount, newRollup, newNextInode, newInodeCount, newFree, newFreeAtRollup,
                newCleanRollup);
    }

    /** This superblock sealed over {@code blocks} blocks of its commit with checksum {@code crc}. */
    Superblock sealed(int blocks, int crc) {
        return new Superblock(volumeId, seq, blockSize, blockCount, itable, orphans, bitmap, logHead, logCount,
                rollup, nextInode, inodeCount, freeBlocks, freeAtRollup, cleanRollup, blocks, crc);
    }
}
