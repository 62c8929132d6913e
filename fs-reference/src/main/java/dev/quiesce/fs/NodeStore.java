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
 */
final class NodeStore {
    private final BlockDevice device;
    private final long volumeId;
    private final long blockCount;
    private final int cacheLimit;
    private final ConcurrentHashMap<Long, Node> cache = new ConcurrentHashMap<>();

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

    /** The node at {@code block}, checked against the pointer's seq, the level and tree kind. */
    Node load(long block, long seq, int level, int kind) throws IOException {
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
