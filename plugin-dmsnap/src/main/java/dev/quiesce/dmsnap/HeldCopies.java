package dev.quiesce.dmsnap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.TreeMap;

/**
 * Old chunks copied since the last commit, waiting to be written to the store, and the
 * pool of direct chunk buffers the write path reuses, so that in steady state it allocates
 * nothing and file I/O needs no bounce copy.
 *
 * <p>Copies to consecutive data chunks (the usual case: the allocator hands them out in
 * order) are read straight into one arena and written from it in one call; others wait in
 * pool buffers and are written in runs of consecutive chunks. Guarded by the engine's lock.
 */
final class HeldCopies {
    private final int chunkBytes;
    private final int limit;
    /** Copies outside the arena not yet written, by data chunk. */
    private final TreeMap<Long, ByteBuffer> copies = new TreeMap<>();
    private final ArrayDeque<ByteBuffer> buffers = new ArrayDeque<>();
    private boolean slabCarved;
    private ByteBuffer runBuffer;
    private ByteBuffer arena;
    /** The arena's chunk-sized views, made once so that a copy allocates nothing. */
    private ByteBuffer[] arenaChunks;
    private long arenaStart;
    private int arenaCount;

    /** Receives one run of consecutive data chunks to write. */
    interface Sink {
        void write(long firstDataChunk, ByteBuffer run) throws IOException;
    }

    HeldCopies(int chunkBytes, int limit) {
        this.chunkBytes = chunkBytes;
        this.limit = limit;
    }

    /** A cleared chunk buffer from the pool. */
    ByteBuffer buffer() {
        ByteBuffer b = buffers.poll();
        if (b == null && !slabCarved) {
            // One allocation for a commit's worth of chunk buffers instead of one each.
            slabCarved = true;
            ByteBuffer slab = ByteBuffer.allocateDirect(limit * chunkBytes);
            for (int k = 1; k < limit; k++) {
                buffers.push(slab.slice(k * chunkBytes, chunkBytes));
            }
            b = slab.slice(0, chunkBytes);
        }
        return b != null ? b.clear() : ByteBuffer.allocateDirect(chunkBytes);
    }

    void recycle(ByteBuffer b) {
        if (buffers.size() < 2 * limit) {
            buffers.push(b);
        }
    }

    /** Where the copy into data chunk {@code n} is held until the commit: the arena if it extends its run. */
    ByteBuffer copyBuffer(long n) {
        if (arena == null) {
            arena = ByteBuffer.allocateDirect(limit * chunkBytes);
            arenaChunks = new ByteBuffer[limit];
            for (int k = 0; k < limit; k++) {
                arenaChunks[k] = arena.slice(k * chunkBytes, chunkBytes);
            }
        }
        if (arenaCount < limit && (arenaCount == 0 || n == arenaStart + arenaCount)) {
            if (arenaCount == 0) {
                arenaStart = n;
            }
            return arenaChunks[arenaCount++].clear();
        }
        return buffer();
    }

    /** Records that {@code b}, from {@link #copyBuffer}, holds the copy for data chunk {@code n}. */
    void hold(long n, ByteBuffer b) {
        if (!inArena(n)) {
            copies.put(n, b);
        }
    }

    /** Copies data chunk {@code n} into {@code dst} if its copy is still held; false if it is not. */
    boolean read(long n, byte[] dst) {
        if (inArena(n)) {
            arena.clear().get((int) (n - arenaStart) * chunkBytes, dst, 0, dst.length);
            return true;
        }
        ByteBuffer b = copies.get(n);
        if (b == null) {
            return false;
        }
        b.get(0, dst, 0, dst.length);
        return true;
    }

    /** Writes every held copy to {@code sink}, one call per run of consecutive data chunks, and forgets them. */
    void writeAll(Sink sink) throws IOException {
        if (arenaCount > 0) {
            sink.write(arenaStart, arena.clear().limit(arenaCount * chunkBytes));
            arenaCount = 0;
        }
        while (!copies.isEmpty()) {
            long first = copies.firstKey();
            int run = 1;
            while (run < limit && copies.containsKey(first + run)) {
                run++;
            }
            if (runBuffer == null) {
                runBuffer = ByteBuffer.allocateDirect(limit * chunkBytes);
            }
            runBuffer.clear();
            for (int k = 0; k < run; k++) {
                ByteBuffer b = copies.remove(first + k);
                runBuffer.put(runBuffer.position(), b, 0, chunkBytes);
                runBuffer.position(runBuffer.position() + chunkBytes);
                recycle(b);
            }
            sink.write(first, runBuffer.flip());
        }
    }

    private boolean inArena(long n) {
        return arenaCount > 0 && n >= arenaStart && n < arenaStart + arenaCount;
    }
}
