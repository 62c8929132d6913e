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
    private final String vg;
    private final String lv;
    private final String name;
    private final String sourceId;
    private final Instant createdAt;
    private final boolean ready;
    /** As LVM reported it; looked up on first need after a cut (each lvs costs a process). */
    private volatile LogicalVolume volume;

    LvmSnapshot(LvmSnapshotProvider provider, String vg, String lv, LogicalVolume volume, String name,
                String sourceId, Instant createdAt, boolean ready) {
        this.provider = provider;
        this.vg = vg;
        this.lv = lv;
        this.volume = volume;
        this.name = name;
        this.sourceId = sourceId;
        this.createdAt = createdAt;
        this.ready = ready;
    }

    LvmSnapshot ready() {
        return new LvmSnapshot(provider, vg, lv, volume, name, sourceId, createdAt, true);
    }

    /** The volume's LVM UUID; stable across restarts and unique in the provider. */
    @Override
    public String id() {
        try {
            return volume().uuid();
        } catch (LvmException e) {
            throw new IllegalStateException("cannot look up snapshot '" + name + "' in LVM: " + e.getMessage(), e);
        }
    }

    @Override public String name() { return name; }
    @Override public String sourceId() { return sourceId; }
    @Override public Technique technique() { return provider.technique().capabilities().technique(); }
    @Override public Instant createdAt() { return createdAt; }
    @Override public boolean isReady() { return ready; }

    /** The volume as LVM reported it when this object was made (or first needed). */
    LogicalVolume volume() throws LvmException {
        LogicalVolume known = volume;
        if (known == null) {
            known = provider.volume(name, vg, lv);
            volume = known;
        }
        return known;
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
        LogicalVolume lv = current().orElseThrow(() -> new NoSuchFileException(vg + "/" + this.lv, null,
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
            lv = current().orElseThrow(() -> new NoSuchFileException(vg + "/" + this.lv));
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
            LogicalVolume known = volume;
            Optional<LogicalVolume> now = known == null ? provider.find(name, vg, lv)
                    : provider.byUuid(name, known.uuid());
            now.ifPresent(v -> volume = v);
            return now;
        } catch (LvmException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "lvm snapshot '" + name + "' (" + vg + "/" + lv + ") of " + sourceId;
    }
}
