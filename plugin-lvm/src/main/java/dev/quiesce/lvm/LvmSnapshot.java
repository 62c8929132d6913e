package dev.quiesce.lvm;

import dev.quiesce.lvm.LvsReport.LogicalVolume;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot volume in LVM. {@link #open()} reads its device node directly (O_DIRECT),
 * so an overflowed thick snapshot, which the kernel fails with EIO, is reported as
 * {@link InvalidSnapshotException} and never read from a stale cache (S13).
 */
final class LvmSnapshot implements Snapshot {
    private final LvmSnapshotProvider provider;
    private final LogicalVolume volume;
    private final String name;
    private final String sourceId;
    private final Instant createdAt;
    private final boolean ready;

    LvmSnapshot(LvmSnapshotProvider provider, LogicalVolume volume, String name, String sourceId, Instant createdAt,
                boolean ready) {
        this.provider = provider;
        this.volume = volume;
        this.name = name;
        this.sourceId = sourceId;
        this.createdAt = createdAt;
        this.ready = ready;
    }

    LvmSnapshot ready() {
        return new LvmSnapshot(provider, volume, name, sourceId, createdAt, true);
    }

    @Override public String id() { return volume.uuid(); }
    @Override public String name() { return name; }
    @Override public String sourceId() { return sourceId; }
    @Override public Technique technique() { return provider.technique().capabilities().technique(); }
    @Override public Instant createdAt() { return createdAt; }
    @Override public boolean isReady() { return ready; }

    /** The volume as LVM reported it when this object was made. */
    LogicalVolume volume() {
        return volume;
    }

    @Override
    public boolean isValid() {
        try {
            return current().map(lv -> !lv.isInvalidSnapshot()).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public BlockDevice open() throws IOException {
        LogicalVolume lv = current().orElseThrow(() -> new NoSuchFileException(volume.qualifiedName(), null,
                "snapshot '" + name + "' was deleted"));
        if (lv.isInvalidSnapshot()) {
            throw new InvalidSnapshotException(name, "LVM reports " + lv.qualifiedName() + " invalid (attr "
                    + lv.attr() + "): its copy-on-write store overflowed");
        }
        if (!lv.isActive() || lv.dmPath().isEmpty()) {
            try {
                provider.activate(name, lv);
            } catch (LvmException e) {
                throw new IOException(e.getMessage(), e);
            }
            lv = current().orElseThrow(() -> new NoSuchFileException(volume.qualifiedName()));
        }
        String uuid = lv.uuid();
        return LvmSnapshotDevice.open(Path.of(lv.dmPath()), name, lv.deviceBytes(), () -> {
            try {
                return provider.byUuid(name, uuid).map(LogicalVolume::isInvalidSnapshot).orElse(true);
            } catch (LvmException e) {
                throw new IOException(e.getMessage(), e);
            }
        });
    }

    private Optional<LogicalVolume> current() throws IOException {
        try {
            return provider.byUuid(name, volume.uuid());
        } catch (LvmException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "lvm snapshot '" + name + "' (" + volume.qualifiedName() + ") of " + sourceId;
    }
}
