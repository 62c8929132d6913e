package dev.quiesce.dmsnap;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/** A snapshot as the SPI shows it: a live view of the engine's record. */
final class DmsnapSnapshot implements Snapshot {
    private final CowEngine engine;
    final SnapshotRecord record;

    DmsnapSnapshot(CowEngine engine, SnapshotRecord record) {
        this.engine = engine;
        this.record = record;
    }

    /** Unique within the provider (every store has a random id) and stable across restarts (S4). */
    @Override public String id() { return record.id(engine.geometry.idLow()); }
    @Override public String name() { return record.name; }
    @Override public String sourceId() { return record.sourceId; }
    @Override public Technique technique() { return Technique.COPY_ON_WRITE; }
    @Override public Instant createdAt() { return record.createdAt; }
    @Override public boolean isReady() { return record.ready && !record.deleted; }
    @Override public boolean isValid() { return record.valid(); }
    @Override public Optional<BlockUsage> blockUsage() { return Optional.ofNullable(record.usage); }

    @Override
    public BlockDevice open() throws IOException {
        return new SnapshotView(engine, record);
    }

    @Override
    public String toString() {
        return "dmsnap snapshot '" + record.name + "' (" + id() + ") of " + record.sourceId;
    }
}
