package dev.quiesce.dmsnap;

import dev.quiesce.spi.InvalidSnapshotException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Rolls the origin back to a snapshot, then deletes the snapshot.
 *
 * <p>Order, which makes it crash-safe: (1) the snapshot is marked merging in the catalog,
 * durably, so origin writes stop and a reopened store knows a merge is unfinished;
 * (2) every chunk whose snapshot contents lie in the store is written to the origin
 * through the ordinary copy-on-write path, so any other snapshot that still needs the
 * origin's current chunk gets its copy, durably, before the origin changes;
 * (3) the origin is flushed; (4) only then is the snapshot deleted. A crash anywhere
 * leaves the snapshot intact; running the merge again rewrites the same chunks, which
 * changes nothing already written.
 */
final class Merge {
    private static final int REPORT_EVERY = 256;

    private Merge() {
    }

    static void run(CowEngine engine, SnapshotRecord s, MergeProgress progress) throws IOException {
        long[] todo;
        engine.lock.writeLock().lock();
        try {
            if (s.invalidReason != null) {
                throw new InvalidSnapshotException(s.name, s.invalidReason);
            }
            if (!s.merging) {
                engine.setMerging(s);
            }
            todo = chunksToWriteBack(engine, s);
        } finally {
            engine.lock.writeLock().unlock();
        }
        long total = todo.length;
        progress.progress(0, total);
        StoreGeometry g = engine.geometry;
        byte[] chunk = new byte[g.chunkBytes()];
        for (int k = 0; k < todo.length; k++) {
            int c = StoreCodec.originOf(todo[k]);
            engine.lock.writeLock().lock();
            try {
                long n = engine.findFrom(engine.indexOf(s), c);
                engine.readDataChunk(n, chunk);
                engine.writeLocked((long) c * g.chunkBytes(), ByteBuffer.wrap(chunk, 0, g.originChunkBytes(c)));
            } finally {
                engine.lock.writeLock().unlock();
            }
            if ((k + 1) % REPORT_EVERY == 0) {
                progress.progress(k + 1, total);
            }
        }
        engine.flush();
        engine.delete(s);
        progress.progress(total, total);
    }

    /** Chunks whose contents for {@code s} are in the store and were in use at its cut, in origin order. */
    static long[] chunksToWriteBack(CowEngine engine, SnapshotRecord s) {
        int j = engine.indexOf(s);
        StoreGeometry g = engine.geometry;
        long[] out = new long[16];
        int n = 0;
        for (int i = j; i < engine.intervals.size(); i++) {
            for (long w : engine.intervals.get(i).table.toSortedWords()) {
                int c = StoreCodec.originOf(w);
                boolean firstHolder = engine.findFrom(j, c) == StoreCodec.dataChunkOf(w);
                if (firstHolder && s.inUse((long) c * g.chunkBytes(), g.originChunkBytes(c))) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = w;
                }
            }
        }
        long[] result = Arrays.copyOf(out, n);
        Arrays.sort(result);
        return result;
    }
}
