package dev.quiesce.dmsnap;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;

/**
 * The SnapshotProvider kit against dmsnap, loaded through ServiceLoader and configured by
 * a map as an integrator would. Chunks of 512 bytes over 1024-block origins, with stores
 * of 1400 data chunks: room for every rule's writes (S2 rewrites the whole source after a
 * cut). For S13 the subject first takes store chunks away, as another heavy user of the
 * store would, and then rewrites the source, so the copy-on-write store really overflows.
 */
class DmsnapProviderKitTest extends SnapshotProviderKit {
    private static final int BLOCK = 512;
    private static final int ORIGIN_BLOCKS = 1024;
    private static final int DATA_CHUNKS = 1400;

    @Override
    protected ProviderSubject createSubject() throws Exception {
        return new Subject();
    }

    private static long storeBytes() {
        StoreGeometry g = StoreGeometry.plan(BLOCK, 0, 1, BLOCK, 0, 0);
        long metadata = 1 + 2L * g.catalogChunks() + (DATA_CHUNKS + g.slotsPerChunk() - 1) / g.slotsPerChunk();
        return (metadata + DATA_CHUNKS) * BLOCK;
    }

    private static final class Subject implements ProviderSubject {
        private final Path dir = Files.createTempDirectory("dmsnap-kit");
        private final DmsnapProvider provider;
        private final List<BlockDevice> stores = new ArrayList<>();
        private final Map<BlockDevice, RecordingBlockDevice> recorders = new IdentityHashMap<>();
        private int sources;

        Subject() throws Exception {
            SnapshotProviderFactory factory = ServiceLoader.load(SnapshotProviderFactory.class).stream()
                    .map(ServiceLoader.Provider::get).filter(f -> f.name().equals("dmsnap")).findFirst()
                    .orElseThrow();
            provider = (DmsnapProvider) factory.create(Map.of("store", dir.resolve("store.cow").toString(),
                    "chunk-size", String.valueOf(BLOCK), "store-size", String.valueOf(storeBytes())));
        }

        @Override
        public SnapshotProvider provider() {
            return provider;
        }

        @Override
        public SnapshotSource newSource() throws Exception {
            int n = sources++;
            RecordingBlockDevice real = new RecordingBlockDevice(new MemoryBlockDevice("origin-" + n, BLOCK,
                    ORIGIN_BLOCKS));
            DmsnapOrigin origin;
            if (n == 0) {
                origin = provider.origin(real);
            } else {
                BlockDevice store = FileBlockDevice.create(dir.resolve("store-" + n + ".cow"), BLOCK,
                        storeBytes() / BLOCK, false);
                stores.add(store);
                origin = provider.origin(real, store);
            }
            recorders.put(origin, real);
            return origin.source("kit-volume-" + n);
        }

        @Override
        public Optional<SnapshotSource> unsupportedSource() {
            return Optional.of(SnapshotSource.of("plain-device", new MemoryBlockDevice("plain", BLOCK, 64)));
        }

        @Override
        public OptionalLong storeBytesUsed() {
            return OptionalLong.of(provider.storeBytesUsed());
        }

        @Override
        public boolean invalidate(SnapshotSource source, Snapshot snapshot) throws Exception {
            BlockDevice d = source.device();
            ChunkAllocator allocator = provider.engineOf((DmsnapOrigin) d).allocator;
            while (allocator.free() > ORIGIN_BLOCKS / 2) {
                allocator.allocate();
            }
            byte[] data = new byte[BLOCK];
            for (long b = 0; b < d.blockCount(); b++) {
                data[0] = (byte) b;
                data[1] = (byte) ~data[1];
                d.write(b, ByteBuffer.wrap(data));
            }
            d.flush();
            return true;
        }

        @Override
        public Optional<DeviceWitness> witness(SnapshotSource source) {
            return Optional.ofNullable(recorders.get(source.device())).map(DeviceWitness::recording);
        }

        @Override
        public void close() throws Exception {
            provider.close();
            for (BlockDevice s : stores) {
                s.close();
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
