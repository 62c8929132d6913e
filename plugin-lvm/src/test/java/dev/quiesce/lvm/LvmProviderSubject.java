package dev.quiesce.lvm;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.tck.ProviderSubject;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/**
 * A {@link ProviderSubject} over real LVM in the guest: sources are fresh 4 MiB logical
 * volumes of the kind the technique needs (linear, thin, raid1), read and written
 * through their device nodes.
 */
final class LvmProviderSubject implements ProviderSubject {
    private static final String SIZE = "4M";

    private final LvmTechnique technique;
    private final GuestLvm group;
    private final SnapshotProvider provider;
    private final List<String> volumes = new ArrayList<>();
    private final List<BlockDevice> devices = new ArrayList<>();

    LvmProviderSubject(LvmTechnique technique) throws Exception {
        this.technique = technique;
        this.group = GuestLvm.of(technique);
        group.ensureVolumeGroup();
        // 200%ORIGIN: LVM trims it to the largest store the origin can ever need, so the
        // kit's rewrites never overflow it; invalidate() shrinks one on purpose.
        this.provider = new LvmSnapshotProviderFactory().create(Map.of("technique", technique.configName(),
                "cow-size", "200%ORIGIN", "volume-group", group.vg()));
    }

    @Override
    public SnapshotProvider provider() {
        return provider;
    }

    @Override
    public SnapshotSource newSource() throws Exception {
        String name = GuestLvm.uniqueName("src");
        Path node = switch (technique) {
            case THICK -> group.createLinear(name, SIZE);
            case THIN -> group.createThin(name, SIZE);
            case SPLIT_MIRROR -> group.createZeroedRaid1(name, SIZE);
        };
        volumes.add(name);
        FileBlockDevice device = FileBlockDevice.open(node, 4096, false);
        devices.add(device);
        return SnapshotSource.ofPath(node, device);
    }

    @Override
    public Optional<SnapshotSource> unsupportedSource() throws Exception {
        if (technique == LvmTechnique.THICK) {
            // Not a logical volume at all.
            return Optional.of(SnapshotSource.of("memory-device", new MemoryBlockDevice("memory", 4096, 64)));
        }
        // A plain linear volume: neither thin nor raid1.
        String name = GuestLvm.uniqueName("plain");
        Path node = group.createLinear(name, "4M");
        volumes.add(name);
        FileBlockDevice device = FileBlockDevice.open(node, 4096, false);
        devices.add(device);
        return Optional.of(SnapshotSource.ofPath(node, device));
    }

    @Override
    public OptionalLong storeBytesUsed() throws Exception {
        return OptionalLong.of(group.allocatedBytes());
    }

    @Override
    public boolean invalidate(SnapshotSource source, Snapshot snapshot) throws Exception {
        if (technique != LvmTechnique.THICK) {
            return false;
        }
        // Shrink the store to one extent, then change more of the origin than it holds:
        // dm-snapshot runs out of room and marks the snapshot invalid, as in production.
        LvsReport.LogicalVolume lv = ((LvmSnapshot) snapshot).volume();
        GuestLvm.check(List.of("lvreduce", "-q", "-f", "-L", "4M", lv.qualifiedName()));
        BlockDevice device = source.device();
        byte[] data = new byte[device.blockSize() * 64];
        Random random = new Random(13);
        for (long b = 0; b + 64 <= device.blockCount(); b += 64) {
            random.nextBytes(data);
            device.write(b, ByteBuffer.wrap(data));
        }
        device.flush();
        return true;
    }

    @Override
    public void close() throws Exception {
        for (BlockDevice d : devices) {
            d.close();
        }
        List<String> remove = new ArrayList<>(List.of("lvremove", "-q", "-y", "-f"));
        for (Snapshot s : provider.list()) {
            if (technique == LvmTechnique.SPLIT_MIRROR) {
                // A split leg goes back by merging, not by removal.
                provider.delete(s.name());
            } else {
                remove.add(((LvmSnapshot) s).volume().qualifiedName());
            }
        }
        for (String v : volumes) {
            remove.add(group.vg() + "/" + v);
        }
        // One LVM run for everything left (each costs seconds under emulation).
        if (remove.size() > 4 && !GuestLvm.lvm(remove.toArray(String[]::new)).ok()) {
            for (Snapshot s : provider.list()) {
                provider.delete(s.name());
            }
            for (String v : volumes) {
                group.remove(v);
            }
        }
        provider.close();
    }
}
