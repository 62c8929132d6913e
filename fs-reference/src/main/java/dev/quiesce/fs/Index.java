package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.InodeRecord;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The index between rollups, the way Tux3 logs it: the inode table, the orphan table and
 * every inode's tree as the last commit left them, changed only by logical log records.
 *
 * <p>A commit logs its inode, name, extent and orphan changes as compact records (INODE,
 * INODE_FREE, TRUNCATE, EXTENT_MAP, DIRENT, ORPHAN_ADD, ORPHAN_DEL) and {@link #apply}s each
 * to the trees in memory; at its end, {@link #endCommit} pins the changed nodes
 * ({@link NodeStore#pin}) instead of writing them. So a commit between rollups writes
 * only its data and its log, and a small fsync is a data block, a log block and the
 * superblock. The superblock keeps naming the trees as the last rollup wrote them; a
 * rollup writes every pinned node ({@link #flushAll}) and the next chain starts from
 * there. Replay runs the very same {@link #apply} and {@link #endCommit} on the records
 * since the rollup, so the trees it rebuilds are the ones the committer had.
 *
 * <p>Freeing: a pinned node replaced by a later commit is dropped once that commit is
 * published (readers of the previous commit may still walk it); a written node replaced
 * since the rollup stays allocated, because the rollup's trees on disk - where replay
 * starts - still use it, and is freed by the next rollup ({@link #drainOldNodes}). Data
 * blocks no longer mapped go to the caller's delayed frees (BFREE).
 *
 * <p>Used by one thread at a time: the committer, or replay at mount.
 */
final class Index {
    private final NodeStore store;
    private final String dev;
    private final BTree itable;
    private final BTree orphans;
    private TreeRef itableRef;
    private TreeRef orphansRef;
    /** Inodes whose record names a tree root that is pinned, not written. */
    private final Set<Long> virtualInodes = new HashSet<>();
    /** Written nodes replaced since the last rollup: freed when the next rollup commits. */
    private final List<Long> oldNodes = new ArrayList<>();
    /** Pinned nodes replaced by the commit in progress: dropped once it is published. */
    private final List<Long> replacedPins = new ArrayList<>();
    private final Map<Long, InodeRecord> records = new HashMap<>();
    private final Map<Long, BTree> trees = new HashMap<>();
    private final Map<Long, Attrs> attrs = new HashMap<>();
    private long inodesAdded;

    /** Where the trees hand the nodes they no longer use. */
    private final BTree.Frees nodeFrees = (block, count) -> {
        if (NodeStore.isVirtual(block)) {
            replacedPins.add(block);
        } else {
            oldNodes.add(block);
        }
    };

    Index(NodeStore store, TreeRef itable, TreeRef orphans) {
        this.store = store;
        this.dev = store.deviceName();
        this.itableRef = itable;
        this.orphansRef = orphans;
        this.itable = new BTree(store, DiskFormat.KIND_ITABLE, itable);
        this.orphans = new BTree(store, DiskFormat.KIND_ORPHANS, orphans);
    }

    /** The inode table's root after the last commit (pinned between rollups). */
    TreeRef itable() {
        return itableRef;
    }

    TreeRef orphans() {
        return orphansRef;
    }

    /** Written nodes the trees replaced since the last rollup (still allocated). */
    List<Long> oldNodes() {
        return oldNodes;
    }

    static int kindOf(FileType type) {
        return type == FileType.DIRECTORY ? DiskFormat.KIND_DIR : DiskFormat.KIND_EXTENTS;
    }

    /** The inode's record as this commit sees it so far, or null if there is none. */
    InodeRecord record(long ino) throws IOException {
        if (records.containsKey(ino)) {
            return records.get(ino);
        }
        byte[] raw = itable.get(ino);
        InodeRecord r = raw == null ? null
                : DiskFormat.decodeInode(dev, itableRef.block(), ino, raw, store.blockCount());
        records.put(ino, r);
        return r;
    }

    boolean isOrphan(long ino) throws IOException {
        return orphans.get(ino) != null;
    }

    /** Applies one index record; data blocks it unmaps go to {@code data}. */
    void apply(LogRecord r, BTree.Frees data) throws IOException {
        long ino = r.a();
        switch (r.type()) {
            case DiskFormat.INODE_FREE -> free(ino, data);
            case DiskFormat.INODE -> attrs.put(ino, r.attrs());
            case DiskFormat.TRUNCATE -> Extents.cut(tree(ino, DiskFormat.KIND_EXTENTS, r), r.b(), nodeFrees, data);
            case DiskFormat.EXTENT_MAP -> Extents.map(tree(ino, DiskFormat.KIND_EXTENTS, r), r.b(), r.c(), r.d(),
                    nodeFrees, data);
            case DiskFormat.DIRENT -> name(tree(ino, DiskFormat.KIND_DIR, r), r.name(), r.b(), r.c());
            case DiskFormat.ORPHAN_ADD -> {
                if (orphans.get(ino) != null) {
                    throw new CorruptFilesystemException(dev, -1, r + ": inode " + ino + " is already an orphan");
                }
                orphans.put(ino, new byte[0], nodeFrees);
            }
            case DiskFormat.ORPHAN_DEL -> {
                if (!orphans.remove(ino, nodeFrees)) {
                    throw new CorruptFilesystemException(dev, -1, r + ": inode " + ino + " is not an orphan");
                }
            }
            default -> throw new IllegalArgumentException("not an index record: " + r);
        }
    }

    private void free(long ino, BTree.Frees data) throws IOException {
        InodeRecord r = record(ino);
        if (r == null) {
            throw new CorruptFilesystemException(dev, -1, "INODE_FREE(" + ino + "): no such inode");
        }
        BTree t = trees.containsKey(ino) ? trees.get(ino) : new BTree(store, kindOf(r.attrs().type()), r.root());
        if (t.kind() == DiskFormat.KIND_EXTENTS) {
            t.forEach(0, (k, ext) -> {
                data.free(DiskFormat.extentPhysical(ext), DiskFormat.extentCount(ext));
                return true;
            });
        }
        t.freeAll(nodeFrees);
        itable.remove(ino, nodeFrees);
        trees.remove(ino);
        attrs.remove(ino);
        records.put(ino, null);
        virtualInodes.remove(ino);
        inodesAdded--;
    }

    private BTree tree(long ino, int kind, LogRecord why) throws IOException {
        BTree t = trees.get(ino);
        if (t == null) {
            InodeRecord r = record(ino);
            Attrs a = attrs.containsKey(ino) ? attrs.get(ino) : r == null ? null : r.attrs();
            if (a == null || kindOf(a.type()) != kind) {
                throw new CorruptFilesystemException(dev, -1, why + ": inode " + ino + " is "
                        + (a == null ? "not in the inode table" : "a " + a.type()));
            }
            t = new BTree(store, kind, r == null ? TreeRef.EMPTY : r.root());
            trees.put(ino, t);
        }
        return t;
    }

    private void name(BTree t, String name, long inode, long typeCode) throws IOException {
        long h = DiskFormat.nameHash(name);
        byte[] raw = t.get(h);
        List<DiskFormat.DirEntry> bucket = raw == null ? new ArrayList<>()
                : new ArrayList<>(DiskFormat.decodeBucket(dev, -1, raw));
        bucket.removeIf(e -> e.name().equals(name));
        if (inode != 0) {
            bucket.add(new DiskFormat.DirEntry(name, inode, FileType.ofCode((int) typeCode)));
        }
        if (bucket.isEmpty()) {
            if (raw != null) {
                t.remove(h, nodeFrees);
            }
        } else {
            t.put(h, DiskFormat.encodeBucket(bucket), nodeFrees);
        }
    }

    /**
     * Ends a commit's records: every inode whose attributes or tree changed gets its
     * record (with the tree's new root) in the inode table, and every changed node is
     * pinned as of commit {@code seq}.
     */
    void endCommit(long seq) throws IOException {
        TreeSet<Long> touched = new TreeSet<>(attrs.keySet());
        touched.addAll(trees.keySet());
        for (long ino : touched) {
            InodeRecord r = record(ino);
            Attrs a = attrs.containsKey(ino) ? attrs.get(ino) : r.attrs();
            BTree t = trees.get(ino);
            TreeRef root = t != null ? t.pin(seq) : r == null ? TreeRef.EMPTY : r.root();
            if (r == null) {
                inodesAdded++;
            }
            itable.put(ino, DiskFormat.encodeInode(a, root), nodeFrees);
            if (NodeStore.isVirtual(root.block())) {
                virtualInodes.add(ino);
            } else {
                virtualInodes.remove(ino);
            }
        }
        itableRef = itable.pin(seq);
        orphansRef = orphans.pin(seq);
        records.clear();
        trees.clear();
        attrs.clear();
    }

    /** Inodes the commits since the last call added (negative: removed). */
    long takeInodesAdded() {
        long n = inodesAdded;
        inodesAdded = 0;
        return n;
    }

    /**
     * Rollup: writes every pinned node - each inode's tree, then the inode and orphan
     * tables - so that the trees on disk hold everything again. Call after
     * {@link #endCommit}; follow with {@link #drainOldNodes}.
     */
    void flushAll(BTree.NodeSink sink) throws IOException {
        for (long ino : new TreeSet<>(virtualInodes)) {
            InodeRecord r = record(ino);
            BTree t = new BTree(store, kindOf(r.attrs().type()), r.root());
            itable.put(ino, DiskFormat.encodeInode(r.attrs(), t.flush(sink, nodeFrees)), nodeFrees);
        }
        virtualInodes.clear();
        records.clear();
        itableRef = itable.flush(sink, nodeFrees);
        orphansRef = orphans.flush(sink, nodeFrees);
    }

    /** The written nodes replaced since the last rollup, for the rollup commit to free; forgets them. */
    List<Long> drainOldNodes() {
        List<Long> out = new ArrayList<>(oldNodes);
        oldNodes.clear();
        return out;
    }

    /** Drops the pinned nodes the last commit replaced: call once no reader can reach them. */
    void unpinReplaced() {
        for (long b : replacedPins) {
            store.unpin(b);
        }
        replacedPins.clear();
    }
}
