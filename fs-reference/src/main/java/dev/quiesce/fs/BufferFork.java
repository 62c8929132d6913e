package dev.quiesce.fs;

/**
 * Buffer forking for data pages. Each cached page remembers the delta that last dirtied
 * it. When the front end writes a page that belongs to an earlier delta - one the
 * committer may be writing out right now - it gets a private copy for the current delta
 * and the committer keeps the original: one buffer never mixes two deltas, and a writer
 * never waits for a commit in progress.
 */
final class BufferFork {
    private BufferFork() {
    }

    /** A cached data page. */
    static final class Page {
        byte[] data;
        long delta;

        Page(byte[] data, long delta) {
            this.data = data;
            this.delta = delta;
        }
    }

    /**
     * Makes {@code page} writable in {@code delta}: forks its bytes when an earlier delta
     * owns them, and registers the (possibly new) bytes with the delta.
     */
    static byte[] writable(Page page, Delta delta, long inode, long index) {
        if (page.delta != delta.number) {
            page.data = page.data.clone();
            page.delta = delta.number;
            delta.dirtyBytes += page.data.length;
        }
        delta.pages.computeIfAbsent(inode, i -> new java.util.TreeMap<>()).put(index, page.data);
        return page.data;
    }
}
