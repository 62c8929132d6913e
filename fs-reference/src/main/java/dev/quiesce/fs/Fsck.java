package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checker: replays the image in memory (read-only), then walks every tree of the
 * replayed index (the last rollup's trees plus the logged changes since) and checks the
 * invariants of the Tux3 notes: the bitmap equals exactly the blocks reachable from the
 * committed image (trees, data, bitmap file, log chain, superblocks) plus the index
 * nodes replaced since the last rollup, which the next rollup frees; no block is
 * referenced twice; the free count equals the clear bits and
 * the inode count the inodes in the table; every node is well formed (checksum, seq,
 * level, keys ordered and inside the parent's range); directory entries point at
 * existing inodes of the right type; link and entry counts agree; orphans have no links.
 */
final class Fsck {
    private final NodeStore store;
    private final Superblock sb;
    private final Allocation alloc;
    private final Index index;
    private final FsckProgress progress;
    private final List<String> problems = new ArrayList<>();
    private final Map<Long, String> owner = new HashMap<>();
    private final Map<Long, Integer> linksFound = new HashMap<>();
    private final Map<Long, Long> subdirs = new HashMap<>();
    private final Map<Long, DiskFormat.InodeRecord> inodes = new HashMap<>();
    private final Map<Long, Long> parentOf = new HashMap<>();

    private Fsck(NodeStore store, Superblock sb, Allocation alloc, Index index, FsckProgress progress) {
        this.progress = progress;
        this.store = store;
        this.sb = sb;
        this.alloc = alloc;
        this.index = index;
    }

    /** Reports of one phase: at most this many, plus the first and the last. */
    private static final long REPORTS = 200;

    static FsckReport check(BlockDevice device, FsckProgress progress) {
        BlockDevice ro;
        Superblock sb;
        NodeStore store;
        Replay.Result replay;
        try {
            ro = GroupedBlockDevice.forVolume(device).readOnlyView();
            sb = Format.readSuperblock(ro).superblock();
            store = new NodeStore(ro, sb.volumeId(), sb.blockCount(), 4096);
            progress.progress(FsckProgress.REPLAY, 0, sb.logCount());
            replay = Replay.run(store, sb);
            progress.progress(FsckProgress.REPLAY, sb.logCount(), sb.logCount());
        } catch (IOException | RuntimeException e) {
            return new FsckReport(List.of("cannot replay: " + e.getMessage()), 0, 0, 0);
        }
        Fsck f = new Fsck(store, sb, replay.allocation(), replay.index(), progress);
        try {
            f.run();
        } catch (IOException | RuntimeException e) {
            f.problems.add("walk stopped: " + e);
        }
        return new FsckReport(f.problems, f.inodes.size(), sb.blockCount() - replay.allocation().free(),
                replay.records());
    }

    private void mark(long block, long count, String what) {
        for (long b = block; b < block + count; b++) {
            if (b < 0 || b >= sb.blockCount()) {
                problems.add(what + ": block " + b + " is outside the volume");
                return;
            }
            String prev = owner.putIfAbsent(b, what);
            if (prev != null) {
                problems.add("block " + b + " is referenced twice: by " + prev + " and by " + what);
            }
        }
    }

    private void run() throws IOException {
        mark(0, 2, "the superblocks");
        for (long[] c : alloc.chainBlocks) {
            mark(c[0], c[1], "the log chain");
        }
        for (long old : index.oldNodes()) {
            mark(old, 1, "an index node replaced since the last rollup (freed by the next)");
        }
        walk(sb.bitmap(), DiskFormat.KIND_BITMAP, "the bitmap file", -1, 0, Long.MAX_VALUE, (k, v) -> {
            DiskFormat.checkExtent(store.deviceName(), -1, k, v, sb.blockCount());
            long at = DiskFormat.extentPhysical(v);
            mark(at, 1, "bitmap page " + k);
            DiskFormat.decodeBitmap(store.deviceName(), at, store.readBlock(at), store.volumeId(), k);
            return true;
        });
        walk(index.itable(), DiskFormat.KIND_ITABLE, "the inode table", -1, 0, Long.MAX_VALUE, (ino, v) -> {
            inodes.put(ino, DiskFormat.decodeInode(store.deviceName(), -1, ino, v, sb.blockCount()));
            return true;
        });
        long total = inodes.size();
        long done = 0;
        long step = Math.max(1, total / REPORTS);
        progress.progress(FsckProgress.INODES, 0, total);
        for (Map.Entry<Long, DiskFormat.InodeRecord> e : inodes.entrySet()) {
            checkInode(e.getKey(), e.getValue());
            if (++done % step == 0 && done < total) {
                progress.progress(FsckProgress.INODES, done, total);
            }
        }
        progress.progress(FsckProgress.INODES, total, total);
        List<Long> orphans = new ArrayList<>();
        walk(index.orphans(), DiskFormat.KIND_ORPHANS, "the orphan table", -1, 0, Long.MAX_VALUE, (ino, v) -> {
            orphans.add(ino);
            return true;
        });
        for (long o : orphans) {
            DiskFormat.InodeRecord r = inodes.get(o);
            if (r == null || r.attrs().nlink() != 0) {
                problems.add("orphan " + o + " is " + (r == null ? "not in the inode table" : "still linked"));
            }
        }
        checkLinks(orphans);
        checkBitmap();
        if (inodes.size() != sb.inodeCount()) {
            problems.add("the superblock counts " + sb.inodeCount() + " inodes, the table holds " + inodes.size());
        }
        if (sb.nextInode() <= inodes.keySet().stream().mapToLong(Long::longValue).max().orElse(0)) {
            problems.add("the next inode number " + sb.nextInode() + " is already in use");
        }
    }

    private void checkInode(long ino, DiskFormat.InodeRecord r) throws IOException {
        String who = "inode " + ino;
        if (r.attrs().type() == FileType.DIRECTORY) {
            long[] entries = {0};
            walk(r.root(), DiskFormat.KIND_DIR, who, -1, 0, Long.MAX_VALUE, (h, v) -> {
                for (DiskFormat.DirEntry e : DiskFormat.decodeBucket(store.deviceName(), -1, v)) {
                    entries[0]++;
                    if (DiskFormat.nameHash(e.name()) != h) {
                        problems.add(who + ": entry '" + e.name() + "' is filed under the wrong hash");
                    }
                    DiskFormat.InodeRecord target = inodes.get(e.inode());
                    if (target == null) {
                        problems.add(who + ": entry '" + e.name() + "' names missing inode " + e.inode());
                        continue;
                    }
                    if (target.attrs().type() != e.type()) {
                        problems.add(who + ": entry '" + e.name() + "' says " + e.type() + ", inode "
                                + e.inode() + " is " + target.attrs().type());
                    }
                    linksFound.merge(e.inode(), 1, Integer::sum);
                    if (e.type() == FileType.DIRECTORY) {
                        subdirs.merge(ino, 1L, Long::sum);
                        if (parentOf.put(e.inode(), ino) != null) {
                            problems.add("directory " + e.inode() + " has more than one name");
                        }
                    }
                }
                return true;
            });
            if (entries[0] != r.attrs().entries()) {
                problems.add(who + ": counts " + r.attrs().entries() + " entries, holds " + entries[0]);
            }
        } else {
            long[] blocks = {0};
            walk(r.root(), DiskFormat.KIND_EXTENTS, who, -1, 0, Long.MAX_VALUE, (k, v) -> {
                DiskFormat.checkExtent(store.deviceName(), -1, k, v, sb.blockCount());
                long n = DiskFormat.extentCount(v);
                mark(DiskFormat.extentPhysical(v), n, who + " data at block " + k);
                if ((k + n) * store.blockSize() > roundUp(r.attrs().size())) {
                    problems.add(who + ": extent at " + k + "+" + n + " lies past the end of the file ("
                            + r.attrs().size() + " bytes)");
                }
                blocks[0] += n;
                return true;
            });
        }
    }

    private long roundUp(long size) {
        int bs = store.blockSize();
        return (size + bs - 1) / bs * bs;
    }

    private void checkLinks(List<Long> orphans) {
        for (Map.Entry<Long, DiskFormat.InodeRecord> e : inodes.entrySet()) {
            long ino = e.getKey();
            Attrs a = e.getValue().attrs();
            int found = linksFound.getOrDefault(ino, 0);
            if (a.type() == FileType.DIRECTORY) {
                long expect = 2 + subdirs.getOrDefault(ino, 0L);
                if (a.nlink() != expect) {
                    problems.add("directory " + ino + " counts " + a.nlink() + " links, expected " + expect);
                }
                if (ino == Namespace.ROOT ? found != 0 : found != 1) {
                    problems.add("directory " + ino + " has " + found + " names");
                }
                if (ino != Namespace.ROOT && parentOf.containsKey(ino) && parentOf.get(ino) != a.parent()) {
                    problems.add("directory " + ino + " says its parent is " + a.parent() + " but it is in "
                            + parentOf.get(ino));
                }
            } else if (a.nlink() != found) {
                problems.add("inode " + ino + " counts " + a.nlink() + " links, " + found + " names point at it");
            } else if (found == 0 && !orphans.contains(ino)) {
                problems.add("inode " + ino + " has no names and is not an orphan (leaked)");
            }
        }
    }

    private void checkBitmap() throws IOException {
        long zero = 0;
        long step = Math.max(1, sb.blockCount() / REPORTS);
        progress.progress(FsckProgress.BITMAP, 0, sb.blockCount());
        for (long b = 2; b < sb.blockCount(); b++) {
            if (b % step == 0) {
                progress.progress(FsckProgress.BITMAP, b, sb.blockCount());
            }
            boolean set = alloc.isSet(b);
            boolean used = owner.containsKey(b);
            if (set && !used) {
                problems.add("block " + b + " is marked in use but nothing references it (leaked)");
            } else if (!set && used) {
                problems.add("block " + b + " is used by " + owner.get(b) + " but marked free");
            }
            if (!set) {
                zero++;
            }
        }
        progress.progress(FsckProgress.BITMAP, sb.blockCount(), sb.blockCount());
        if (zero != sb.freeBlocks()) {
            problems.add("the bitmap has " + zero + " free blocks, the superblock says " + sb.freeBlocks());
        }
        if (problems.size() > 1000) {
            problems.subList(1000, problems.size()).clear();
        }
    }

    private void walk(TreeRef ref, int kind, String who, int level, long low, long high, BTree.Visitor leaf)
            throws IOException {
        if (ref.isEmpty()) {
            return;
        }
        Node n;
        try {
            n = store.load(ref.block(), ref.seq(), level, kind);
        } catch (CorruptFilesystemException e) {
            problems.add(who + ": " + e.getMessage());
            return;
        }
        if (!NodeStore.isVirtual(ref.block())) {
            mark(ref.block(), 1, who + " tree node");
        }
        for (int i = 0; i < n.count; i++) {
            long k = n.keys[i];
            if ((i > 0 || n.isLeaf()) && (k < low || k >= high)) {
                problems.add(who + ": key " + k + " in node " + ref.block() + " outside its range [" + low + ", "
                        + high + ")");
            }
        }
        if (n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                try {
                    leaf.visit(n.keys[i], n.values[i]);
                } catch (CorruptFilesystemException e) {
                    problems.add(who + ": " + e.getMessage());
                }
            }
            return;
        }
        for (int i = 0; i < n.count; i++) {
            long lo = i == 0 ? low : n.keys[i];
            long hi = i + 1 < n.count ? n.keys[i + 1] : high;
            walk(new TreeRef(n.childBlocks[i], n.childSeqs[i]), kind, who, n.level - 1, lo, hi, leaf);
        }
    }
}
