package dev.quiesce.tck.example;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The README's vendor example, compiled and run through the kit so it cannot rot: a
 * provider that copies the whole source into memory at the cut.
 */
final class CopyingProvider implements SnapshotProvider {
    private final Map<String, Copy> snapshots = new ConcurrentHashMap<>();

    record Copy(String name, String sourceId, byte[] data, int blockSize, Instant createdAt)
            implements Snapshot {
        public String id() { return "copy-" + name; }
        public Technique technique() { return Technique.FULL_COPY; }
        public boolean isReady() { return true; }

        public BlockDevice open() throws IOException {
            MemoryBlockDevice device = new MemoryBlockDevice(id(), blockSize, data.length / blockSize);
            device.write(0, ByteBuffer.wrap(data));
            return device.readOnlyView();
        }
    }

    public String name() { return "copying"; }

    public Capabilities capabilities() {
        return new Capabilities(Technique.FULL_COPY, false, CutCost.DEVICE_SIZE, false);
    }

    public boolean supports(SnapshotSource source) { return true; }

    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        Copy existing = snapshots.get(request.name());
        if (existing != null && !existing.sourceId().equals(request.source().id())) {
            throw new SnapshotNameConflictException(name(), request.name(), existing.sourceId(), request.source().id());
        }
        return new PendingSnapshot() {
            private volatile Copy made;
            private volatile boolean completed;

            public SnapshotRequest request() { return request; }

            public Snapshot cut() throws SnapshotException {
                if (existing != null) {
                    return existing;                      // S4: same name, same source
                }
                BlockDevice source = request.source().device();
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(source.sizeBytes()));
                try {
                    source.read(0, data);                 // S9: reads only, never writes
                } catch (IOException e) {
                    throw new SnapshotException(name(), request.name(), "cannot read the source", e);
                }
                made = new Copy(request.name(), request.source().id(), data.array(), source.blockSize(), Instant.now());
                snapshots.put(made.name(), made);
                return made;
            }

            public Snapshot complete() throws SnapshotException {
                Snapshot done = made != null ? made : cut();
                completed = true;
                return done;
            }

            public void abort() {
                if (made != null && !completed) {
                    snapshots.remove(made.name(), made);  // S7: leave nothing; S4: never the old one
                }
            }
        };
    }

    public List<Snapshot> list() { return List.copyOf(snapshots.values()); }

    public void delete(String name) { snapshots.remove(name); }

    public void close() { }
}
