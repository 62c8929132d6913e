package dev.quiesce.fs;

import java.io.IOException;

/**
 * The last committed state as the front end reads it: roots of the committed inode and
 * orphan tables and the free-block count after the commit's delayed frees. Replaced as a
 * whole (under the volume lock) when a commit completes; its trees are immutable.
 */
record Published(long seq, TreeRef itable, TreeRef orphans, long free, long inodeCount) {

    DiskFormat.InodeRecord inode(NodeStore store, long inode) throws IOException {
        byte[] v = new BTree(store, DiskFormat.KIND_ITABLE, itable).get(inode);
        return v == null ? null
                : DiskFormat.decodeInode(store.deviceName(), itable.block(), inode, v, store.blockCount());
    }
}
