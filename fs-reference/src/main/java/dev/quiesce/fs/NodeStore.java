package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads blocks of the volume and keeps decoded tree nodes in a bounded cache. Cached
 * nodes are immutable, so the front end and the committer share them without locks. A
 * block is only reused after the commit that freed it was published (see {@link Commit}),
 * so a cached node under a reused block number can no longer be reached from any tree.
 *
 * <p>It also holds the <em>pinned</em> nodes: index nodes a commit changed but did not
 * write, because between rollups the log carries index changes as logical records and
 * the nodes are written only at the next rollup ({@link Index}). A pinned node is as
 * immutable as a written one and is named by a virtual block number at or above
 * {@link #VIRTUAL_BASE}, far past any volume, which never reaches the disk. It stays
 * pinned until the commit that replaced it is published.
 */
final class NodeStore {
    private final BlockDevice device;
    private final long volumeId;
    private final long blockCount;
    private final int cacheLimit;
    private final ConcurrentHashMap<Long, Node> cache = new ConcurrentHashMap<>();
    /** First virtual block number: 2^62, beyond the largest volume (2^63 bytes of 512-byte blocks is 2^54). */
    static final long VIRTUAL_BASE = 1L << 62;
    private final ConcurrentHashMap<Long, Node> pinned = new ConcurrentHashMap<>();
    private long nextVirtual = VIRTUAL_BASE;

    NodeStore(BlockDevice device, long volumeId, long blockCount, int cacheLimit) {
        this.device = device;
        this.volumeId = volumeId;
        this.blockCount = blockCount;
        this.cacheLimit = cacheLimit;
    }

    String deviceName() {
        return device.name();
    }

    long volumeId() {
        return volumeId;
    }

    long blockCount() {
        return blockCount;
    }

    int blockSize() {
        return device.blockSize();
    }

    BlockDevice device() {
        return device;
    }

    byte[] readBlock(long block) throws IOException {
        if (block < 2 || block >= blockCount) {
            throw new CorruptFilesystemException(device.name(), block, "pointer outside the volume (2.."
                    + (blockCount - 1) + ")");
        }
        ByteBuffer b = ByteBuffer.allocate(device.blockSize());
        device.read(block, b);
        return b.array();
    }

    static boolean isVirtual(long block) {
        return block >= VIRTUAL_BASE;
    }

    /** Holds a dirty node in memory under a new virtual block number (committer or replay only). */
    void pin(Node n, long seq) {
        n.seq = seq;
        n.block = nextVirtual++;
        pinned.put(n.block, n);
    }

    /** Drops a pinned node that no published tree can reach any more. */
    void unpin(long block) {
        pinned.remove(block);
    }

    /** Pinned nodes: blocks the next rollup will write. */
    int pinnedCount() {
        return pinned.size();
    }

    /** The node at {@code block}, checked against the pointer's seq, the level and tree kind. */
    Node load(long block, long seq, int level, int kind) throws IOException {
        if (isVirtual(block)) {
            Node p = pinned.get(block);
            if (p == null || p.seq != seq || (level >= 0 && p.level != level)) {
                throw new CorruptFilesystemException(device.name(), block, "pointer to an index node that is"
                        + " neither on the volume nor held in memory");
            }
            return p;
        }
        Node n = cache.get(block);
        if (n != null && n.seq == seq && (level < 0 || n.level == level)) {
            return n;
        }
        n = DiskFormat.decodeNode(device.name(), block, readBlock(block), volumeId, seq, level, kind, blockCount);
        remember(n);
        return n;
    }

    void remember(Node n) {
        if (cache.size() >= cacheLimit) {
            cache.clear();
        }
        cache.put(n.block, n);
    }

    void forget(long block) {
        cache.remove(block);
    }
}
