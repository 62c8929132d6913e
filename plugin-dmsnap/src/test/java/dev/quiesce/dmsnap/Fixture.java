package dev.quiesce.dmsnap;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

/** An origin and a store in memory, counted, with a provider over them. */
final class Fixture implements AutoCloseable {
    static final int BLOCK = 512;
    final int chunk;
    final CountingDevice real;
    final CountingDevice store;
    DmsnapProvider provider;
    DmsnapOrigin origin;

    Fixture(int chunk, long originBlocks, long storeBlocks) throws SnapshotException {
        this(chunk, new MemoryBlockDevice("origin", BLOCK, originBlocks), new MemoryBlockDevice("store", BLOCK, storeBlocks));
    }

    Fixture(int chunk, BlockDevice real, BlockDevice store) throws SnapshotException {
        this.chunk = chunk;
        this.real = new CountingDevice(real);
        this.store = new CountingDevice(store);
        this.provider = DmsnapProvider.onDevice(this.store, chunk);
        this.origin = provider.origin(this.real);
    }

    /** Closes the provider and opens a new one over the same devices, as after a restart. */
    void reopen() throws SnapshotException {
        provider.close();
        provider = DmsnapProvider.onDevice(store, chunk);
        origin = provider.origin(real);
    }

    Snapshot snap(String name) throws SnapshotException {
        return provider.create(SnapshotRequest.of(name, origin.source("vol")));
    }

    Snapshot snap(String name, BlockUsage usage) throws SnapshotException {
        return provider.create(SnapshotRequest.of(name, origin.source("vol")).withBlockUsage(usage));
    }

    void write(long block, byte[] data) throws IOException {
        origin.write(block, ByteBuffer.wrap(data));
    }

    void fill(long block, int blocks, int seed) throws IOException {
        origin.write(block, ByteBuffer.wrap(pattern(blocks * BLOCK, seed)));
    }

    byte[] originBytes() throws IOException {
        return readAll(origin);
    }

    static byte[] readAll(BlockDevice d) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) d.sizeBytes());
        d.read(0, b);
        return b.array();
    }

    static byte[] contents(Snapshot s) throws IOException {
        try (BlockDevice d = s.open()) {
            return readAll(d);
        }
    }

    static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return b;
    }

    long dataChunksUsed() {
        return provider.storeBytesUsed() / chunk;
    }

    @Override
    public void close() throws SnapshotException {
        provider.close();
    }
}
