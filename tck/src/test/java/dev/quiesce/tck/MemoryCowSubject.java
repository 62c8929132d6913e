package dev.quiesce.tck;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** {@link MemoryCowProvider} as a kit subject: 128-block sources over recording devices. */
final class MemoryCowSubject implements ProviderSubject {
    private static final int BLOCK = 512;
    private final MemoryCowProvider provider;
    private final Map<SnapshotSource, RecordingBlockDevice> recorders = new IdentityHashMap<>();
    private int sources;

    MemoryCowSubject(MemoryCowProvider.Flaw flaw) {
        provider = new MemoryCowProvider(flaw);
    }

    @Override public SnapshotProvider provider() { return provider; }

    @Override
    public SnapshotSource newSource() {
        String id = "memory-source-" + (++sources);
        RecordingBlockDevice under = new RecordingBlockDevice(new MemoryBlockDevice(id, BLOCK, 128));
        SnapshotSource source = provider.newSource(id, under);
        recorders.put(source, under);
        return source;
    }

    @Override
    public Optional<SnapshotSource> unsupportedSource() {
        return Optional.of(SnapshotSource.of("plain-memory", new MemoryBlockDevice("plain", BLOCK, 16)));
    }

    @Override
    public OptionalLong storeBytesUsed() {
        return OptionalLong.of(provider.storeBytes(BLOCK));
    }

    @Override
    public boolean invalidate(SnapshotSource source, Snapshot snapshot) throws Exception {
        provider.fillStore();
        byte[] data = new byte[BLOCK];
        for (long b = 0; b < source.device().blockCount(); b++) {
            data[0] = (byte) (b + 1);
            source.device().write(b, ByteBuffer.wrap(data));
        }
        return true;
    }

    @Override
    public Optional<DeviceWitness> witness(SnapshotSource source) {
        return Optional.ofNullable(recorders.get(source)).map(DeviceWitness::recording);
    }

    @Override
    public void close() {
        provider.close();
    }
}
