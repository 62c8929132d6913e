package dev.quiesce.cdi;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.util.List;
import java.util.Optional;

/**
 * A provider as the facade hands it to the coordinator: each cut also posts
 * {@link SnapshotCut}, without waiting for any observer. Everything else is the
 * provider's own.
 */
final class ObservedProvider implements SnapshotProvider {
    private final SnapshotProvider provider;
    private final String operation;
    private final LifecycleEvents events;

    ObservedProvider(SnapshotProvider provider, String operation, LifecycleEvents events) {
        this.provider = provider;
        this.operation = operation;
        this.events = events;
    }

    @Override public String name() { return provider.name(); }
    @Override public Capabilities capabilities() { return provider.capabilities(); }
    @Override public boolean supports(SnapshotSource source) { return provider.supports(source); }
    @Override public List<Snapshot> list() throws SnapshotException { return provider.list(); }
    @Override public Optional<Snapshot> find(String name) throws SnapshotException { return provider.find(name); }
    @Override public void delete(String name) throws SnapshotException { provider.delete(name); }

    /** The facade does not own the provider: the container closes it. */
    @Override
    public void close() {
        // Closing is the container's business; this wrapper lives for one operation.
    }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        PendingSnapshot pending = provider.prepare(request);
        return new PendingSnapshot() {
            @Override
            public SnapshotRequest request() {
                return pending.request();
            }

            @Override
            public Snapshot cut() throws SnapshotException {
                return posted(pending.cut());
            }

            @Override
            public Snapshot cut(BlockUsage usageAtFreeze) throws SnapshotException {
                return posted(pending.cut(usageAtFreeze));
            }

            private Snapshot posted(Snapshot cut) {
                events.whileFrozen(new SnapshotCut(operation, request.name(), request.source().id(), provider.name()));
                return cut;
            }

            @Override
            public Snapshot complete() throws SnapshotException {
                return pending.complete();
            }

            @Override
            public void abort() {
                pending.abort();
            }
        };
    }
}
