package dev.quiesce.fs;

/**
 * A pointer to a tree node on disk: its block and the delta sequence number it was
 * written with, so a stale or misdirected block is detected when it is read.
 * {@link #EMPTY} (block 0) is an empty tree.
 */
record TreeRef(long block, long seq) {
    static final TreeRef EMPTY = new TreeRef(0, 0);

    boolean isEmpty() {
        return block == 0;
    }
}
