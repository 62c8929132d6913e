package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockUsage;
import java.time.Instant;

/**
 * One snapshot's state as the engine keeps it and the catalog stores it. Mutated only
 * under the engine's write lock; read under its read lock.
 */
final class SnapshotRecord {
    int epoch;
    Instant createdAt = Instant.EPOCH;
    String name;
    String sourceId;
    boolean ready;
    boolean merging;
    /** Null while valid; why it became invalid otherwise (S13). */
    String invalidReason;
    boolean deleted;
    long bitmapFirst;
    int bitmapChunks;
    int bitmapCrc;
    int usageBlockSize;
    long usageBlockCount;
    /** The usage bitmap from the request, null when none came (every block then counts as in use). */
    BlockUsage usage;

    int flags() {
        return (ready ? StoreCodec.FLAG_READY : 0) | (invalidReason != null ? StoreCodec.FLAG_INVALID : 0)
                | (merging ? StoreCodec.FLAG_MERGING : 0);
    }

    boolean valid() {
        return invalidReason == null && !deleted;
    }

    /** The snapshot's id: the store's id and the epoch, which no other snapshot of that store ever gets. */
    String id(long storeId) {
        return String.format(java.util.Locale.ROOT, "dmsnap-%016x-%d", storeId, epoch);
    }

    /** Whether any byte of {@code [offset, offset + length)} of the origin was in use at the cut. */
    boolean inUse(long offset, long length) {
        if (usage == null) {
            return true;
        }
        long ubs = usage.blockSize();
        return usage.anyInUse(offset / ubs, (offset + length + ubs - 1) / ubs - offset / ubs);
    }
}
