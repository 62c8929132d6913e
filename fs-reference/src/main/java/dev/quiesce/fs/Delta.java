package dev.quiesce.fs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the front end changed in one delta, as the committer needs it: the latest
 * attributes of each inode, directory names added or removed, data pages written,
 * truncations, inodes deleted and orphan changes. The front end fills the current delta
 * under the volume lock; once {@link Commit} takes it, nobody changes it again (pages are
 * forked by {@link BufferFork}, attributes are immutable), so the committer reads it
 * without locks while the front end fills the next one.
 */
final class Delta {
    /** A name's new state in a directory; {@code inode == 0} means removed. */
    record DirChange(long inode, FileType type) {
    }

    final long number;
    final Map<Long, Attrs> inodes = new HashMap<>();
    final Set<Long> deleted = new HashSet<>();
    final Map<Long, Map<String, DirChange>> dirs = new HashMap<>();
    final Map<Long, PageMap> pages = new HashMap<>();
    final Map<Long, Long> truncates = new HashMap<>();
    final Map<Long, Boolean> orphans = new HashMap<>();
    /**
     * Runs of pages the committer wrote ahead of the commit ({@link Commit#writeBack}):
     * {inode, first logical block, first physical block, count}, in the order written.
     * Their blocks are allocated in the bitmap, not yet logged.
     */
    final List<long[]> prewritten = new ArrayList<>();
    /** Parts of prewritten runs a truncation or deletion made useless: {physical, count}, freed at commit. */
    final List<long[]> dropped = new ArrayList<>();
    long writtenBackBytes;
    /** A writeback was asked for since the last writeback pass took this delta's pages. */
    boolean writebackAsked;
    long nextInode;
    long reserved;
    long dirtyBytes;
    boolean rollup;
    /** Commit with a clean rollup (a freeze): no log is left behind. */
    boolean cleanRollup;

    Delta(long number, long nextInode) {
        this.number = number;
        this.nextInode = nextInode;
    }

    boolean isEmpty() {
        return inodes.isEmpty() && deleted.isEmpty() && dirs.isEmpty() && pages.isEmpty()
                && truncates.isEmpty() && orphans.isEmpty() && prewritten.isEmpty() && dropped.isEmpty();
    }

    void attrs(long inode, Attrs attrs) {
        inodes.put(inode, attrs);
    }

    void dirChange(long dir, String name, long inode, FileType type) {
        dirs.computeIfAbsent(dir, d -> new HashMap<>()).put(name, new DirChange(inode, type));
    }

    void delete(long inode) {
        inodes.remove(inode);
        pages.remove(inode);
        truncates.remove(inode);
        deleted.add(inode);
        dropPrewritten(inode, 0);
    }

    /** Gives up the prewritten blocks of {@code inode} from logical block {@code from} on. */
    void dropPrewritten(long inode, long from) {
        for (Iterator<long[]> it = prewritten.iterator(); it.hasNext(); ) {
            long[] r = it.next();
            if (r[0] != inode || r[1] + r[3] <= from) {
                continue;
            }
            long keep = Math.max(0, from - r[1]);
            dropped.add(new long[] {r[2] + keep, r[3] - keep});
            if (keep == 0) {
                it.remove();
            } else {
                r[3] = keep;
            }
        }
    }
}
