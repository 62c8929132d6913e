package dev.quiesce.fs;

import java.time.Duration;
import java.util.Objects;

/**
 * How to mount a Dusk filesystem. Immutable; start from {@link #defaults()}.
 *
 * @param readOnly        mount without writing anything (replay happens in memory)
 * @param commitInterval  how long changes may wait before the committer commits them
 * @param rollupEvery     roll up after this many deltas
 * @param maxLogBlocks    roll up when the log since the last rollup reaches this many blocks
 * @param dirtyLimitBytes start a commit when the current delta holds this much dirty data;
 *                        writers wait when twice this much is waiting; data written ahead
 *                        of its commit is flushed in the background every eighth of this
 * @param nodeCacheLimit  tree nodes kept in the cache
 * @param writebackBytes  start writing dirty data ahead of the commit (choosing its blocks
 *                        early) once the current delta holds this much not yet written
 */
public record DuskOptions(boolean readOnly, Duration commitInterval, int rollupEvery, int maxLogBlocks,
                          long dirtyLimitBytes, int nodeCacheLimit, long writebackBytes) {

    public DuskOptions {
        Objects.requireNonNull(commitInterval, "commitInterval");
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("commitInterval must be positive, was " + commitInterval);
        }
        if (rollupEvery < 1 || maxLogBlocks < 1 || dirtyLimitBytes < 1 || nodeCacheLimit < 16 || writebackBytes < 1) {
            throw new IllegalArgumentException("rollupEvery, maxLogBlocks, dirtyLimitBytes, writebackBytes must be"
                    + " positive and nodeCacheLimit at least 16");
        }
    }

    public static DuskOptions defaults() {
        return new DuskOptions(false, Duration.ofSeconds(5), 8, 256, 64L << 20, 65536, 4L << 20);
    }

    public DuskOptions withReadOnly(boolean ro) {
        return new DuskOptions(ro, commitInterval, rollupEvery, maxLogBlocks, dirtyLimitBytes, nodeCacheLimit, writebackBytes);
    }

    public DuskOptions withCommitInterval(Duration d) {
        return new DuskOptions(readOnly, d, rollupEvery, maxLogBlocks, dirtyLimitBytes, nodeCacheLimit, writebackBytes);
    }

    public DuskOptions withRollupEvery(int deltas) {
        return new DuskOptions(readOnly, commitInterval, deltas, maxLogBlocks, dirtyLimitBytes, nodeCacheLimit, writebackBytes);
    }

    public DuskOptions withMaxLogBlocks(int blocks) {
        return new DuskOptions(readOnly, commitInterval, rollupEvery, blocks, dirtyLimitBytes, nodeCacheLimit, writebackBytes);
    }

    public DuskOptions withDirtyLimitBytes(long bytes) {
        return new DuskOptions(readOnly, commitInterval, rollupEvery, maxLogBlocks, bytes, nodeCacheLimit, writebackBytes);
    }

    public DuskOptions withNodeCacheLimit(int nodes) {
        return new DuskOptions(readOnly, commitInterval, rollupEvery, maxLogBlocks, dirtyLimitBytes, nodes, writebackBytes);
    }

    public DuskOptions withWritebackBytes(long bytes) {
        return new DuskOptions(readOnly, commitInterval, rollupEvery, maxLogBlocks, dirtyLimitBytes, nodeCacheLimit, bytes);
    }
}
