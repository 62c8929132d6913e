package dev.quiesce.cli.broken;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A deliberately broken provider for the kit command's tests: its "snapshot" is a
 * read-only view of the live source, so later writes to the source show through it
 * (SPEC.md S2). Everything else it does by the book.
 */
public final class LiveViewProvider implements SnapshotProvider {
    private final Map<String, View> snapshots = new ConcurrentHashMap<>();

    /** Registered as {@code broken-live} in the test-built plugin jar only. */
    public static final class Factory implements SnapshotProviderFactory {
        @Override public String name() { return "broken-live"; }

        @Override public SnapshotProvider create(Map<String, String> configuration) {
            return new LiveViewProvider();
        }
    }

    @Override public String name() { return "broken-live"; }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.FULL_COPY, false, CutCost.CONSTANT, false);
    }

    @Override public boolean supports(SnapshotSource source) { return true; }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        View existing = snapshots.get(request.name());
        if (existing != null && !existing.source.id().equals(request.source().id())) {
            throw new SnapshotNameConflictException(name(), request.name(), existing.source.id(), request.source().id());
        }
        return new PendingSnapshot() {
            private View made = existing;

            @Override public SnapshotRequest request() { return request; }

            @Override
            public Snapshot cut() {
                if (made == null) {
                    made = new View(request.name(), request.source());
                    snapshots.put(request.name(), made);
                }
                return made;
            }

            @Override
            public Snapshot complete() {
                made.ready = true;
                return made;
            }

            @Override
            public void abort() {
                if (existing == null && made != null && !made.ready) {
                    snapshots.remove(made.name, made);
                }
            }
        };
    }

    @Override public List<Snapshot> list() { return new ArrayList<>(snapshots.values()); }

    @Override public void delete(String snapshot) { snapshots.remove(snapshot); }

    @Override public void close() { }

    private static final class View implements Snapshot {
        final String name;
        final SnapshotSource source;
        final Instant created = Instant.now();
        volatile boolean ready;

        View(String name, SnapshotSource source) {
            this.name = name;
            this.source = source;
        }

        @Override public String id() { return "live-" + name; }
        @Override public String name() { return name; }
        @Override public String sourceId() { return source.id(); }
        @Override public Technique technique() { return Technique.FULL_COPY; }
        @Override public Instant createdAt() { return created; }
        @Override public boolean isReady() { return ready; }
        @Override public BlockDevice open() { return source.device().readOnlyView(); }
    }
}
