package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes one snapshot as a Linux persistent exception store (layout in {@link StoreCodec}).
 * The kernel format gives every snapshot its own chunks, so shared chunks are copied out
 * here rather than kept natively. Exceptions go in origin order; metadata area {@code i}
 * is followed by the data chunks its entries name. The list is ended by a zero entry, or
 * by an all-zero area when the last one is full. The header goes last, after a flush, so
 * a half-written export is never taken for a store.
 */
final class KernelExport {
    private KernelExport() {
    }

    static long run(CowEngine engine, SnapshotRecord s, BlockDevice target) throws IOException {
        StoreGeometry g = engine.geometry;
        int cb = g.chunkBytes();
        if (cb % target.blockSize() != 0) {
            throw new IOException(target.name() + ": block size " + target.blockSize()
                    + " does not divide the chunk size " + cb);
        }
        if (target.isReadOnly()) {
            throw new IOException(target.name() + " is read-only");
        }
        int per = cb / target.blockSize();
        engine.lock.writeLock().lock();
        try {
            if (s.invalidReason != null) {
                throw new InvalidSnapshotException(s.name, s.invalidReason);
            }
            // Held origin writes must reach the origin, as the kernel will read it there.
            engine.commitLocked();
            long[] todo = Merge.chunksToWriteBack(engine, s);
            int perArea = StoreCodec.kernelEntriesPerArea(cb);
            long areas = todo.length / perArea + 1;
            long lastArea = areas - 1;
            long needed = StoreCodec.kernelAreaChunk(cb, lastArea) + 1 + todo.length % perArea;
            if (target.blockCount() / per < needed) {
                throw new IOException(target.name() + " holds " + target.blockCount() / per + " chunks of " + cb
                        + " bytes; the export of " + todo.length + " exceptions needs " + needed);
            }
            byte[] data = new byte[cb];
            ByteBuffer area = ByteBuffer.allocate(cb);
            for (long a = 0; a < areas; a++) {
                area.clear();
                java.util.Arrays.fill(area.array(), (byte) 0);
                long areaChunk = StoreCodec.kernelAreaChunk(cb, a);
                int first = (int) (a * perArea);
                int count = Math.min(perArea, todo.length - first);
                for (int i = 0; i < count; i++) {
                    long w = todo[first + i];
                    long newChunk = areaChunk + 1 + i;
                    engine.readStoreChunk(engine.storeChunk(StoreCodec.dataChunkOf(w)), ByteBuffer.wrap(data));
                    target.write(newChunk * per, ByteBuffer.wrap(data));
                    StoreCodec.putKernelEntry(area, i, StoreCodec.originOf(w), newChunk);
                }
                target.write(areaChunk * per, area.clear());
            }
            target.flush();
            target.write(0, StoreCodec.encodeKernelHeader(cb));
            target.flush();
            return todo.length;
        } finally {
            engine.lock.writeLock().unlock();
        }
    }
}
