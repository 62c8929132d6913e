package dev.quiesce.cdi;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** A small honest full-copy provider in the heap, for container tests. */
final class CopyingTestProvider implements SnapshotProvider {
    static final Map<String, CopyingTestProvider> CREATED = new ConcurrentHashMap<>();

    private final String name;
    private final Map<String, String> configuration;
    private final Map<String, CopiedSnapshot> snapshots = new ConcurrentHashMap<>();
    final AtomicBoolean closed = new AtomicBoolean();

    CopyingTestProvider(String name, Map<String, String> configuration) {
        this.name = name;
        this.configuration = Map.copyOf(configuration);
        CREATED.put(name, this);
    }

    Map<String, String> configuration() {
        return configuration;
    }

    @Override public String name() { return name; }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.FULL_COPY, false, CutCost.DEVICE_SIZE, false);
    }

    @Override
    public boolean supports(SnapshotSource source) {
        return source.device().blockCount() <= 4096;
    }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        return new PendingSnapshot() {
            private volatile CopiedSnapshot made;

            @Override public SnapshotRequest request() { return request; }

            @Override
            public Snapshot cut() throws SnapshotException {
                BlockDevice source = request.source().device();
                MemoryBlockDevice copy = new MemoryBlockDevice(request.name(), source.blockSize(), source.blockCount());
                try {
                    ByteBuffer buffer = ByteBuffer.allocate(source.blockSize());
                    for (long b = 0; b < source.blockCount(); b++) {
                        buffer.clear();
                        source.read(b, buffer);
                        buffer.flip();
                        copy.write(b, buffer);
                    }
                } catch (IOException e) {
                    throw new SnapshotException(name, request.name(), "copy failed", e);
                }
                made = new CopiedSnapshot(request.name(), request.source().id(), copy);
                snapshots.put(request.name(), made);
                return made;
            }

            @Override
            public Snapshot complete() {
                made.ready = true;
                return made;
            }

            @Override
            public void abort() {
                CopiedSnapshot m = made;
                if (m != null && !m.ready) {
                    snapshots.remove(m.name, m);
                }
            }
        };
    }

    @Override public List<Snapshot> list() { return new ArrayList<>(snapshots.values()); }

    @Override public void delete(String snapshot) { snapshots.remove(snapshot); }

    @Override public void close() { closed.set(true); }

    static final class CopiedSnapshot implements Snapshot {
        private final String name;
        private final String source;
        private final MemoryBlockDevice copy;
        private final Instant createdAt = Instant.now();
        volatile boolean ready;

        CopiedSnapshot(String name, String source, MemoryBlockDevice copy) {
            this.name = name;
            this.source = source;
            this.copy = copy;
        }

        @Override public String id() { return name; }
        @Override public String name() { return name; }
        @Override public String sourceId() { return source; }
        @Override public Technique technique() { return Technique.FULL_COPY; }
        @Override public Instant createdAt() { return createdAt; }
        @Override public boolean isReady() { return ready; }
        @Override public BlockDevice open() { return copy.readOnlyView(); }
    }
}
