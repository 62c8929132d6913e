package dev.quiesce.fs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
    final Map<Long, TreeMap<Long, BufferFork.Page>> pages = new HashMap<>();
    final Map<Long, Long> truncates = new HashMap<>();
    final Map<Long, Boolean> orphans = new HashMap<>();
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
                && truncates.isEmpty() && orphans.isEmpty();
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
    }
}
