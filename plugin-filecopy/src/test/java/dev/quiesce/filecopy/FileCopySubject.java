package dev.quiesce.filecopy;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.ProviderSubject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * A {@code filecopy} provider over a fresh snapshot directory, and image-file sources of
 * 512 blocks of 4 KiB, for the conformance kit and the end-to-end tests. Sources are
 * watched through a {@link RecordingBlockDevice} (S9); for {@code split-mirror} they are
 * {@link MirroredBlockDevice}s whose replica lives beside the image, outside the store.
 */
final class FileCopySubject implements ProviderSubject {
    static final int BLOCK = 4096;
    static final int BLOCKS = 512;
    static final int REGION = 64 * 1024;

    private final String technique;
    private final Path root;
    private final Path store;
    private final Path sources;
    private final SnapshotProvider provider;
    private final List<BlockDevice> opened = new ArrayList<>();
    private final Map<String, RecordingBlockDevice> recorders = new HashMap<>();
    private int count;

    FileCopySubject(String technique, Path parent) throws Exception {
        this.technique = technique;
        this.root = Files.createTempDirectory(parent, "filecopy-" + technique + "-");
        this.store = root.resolve("snapshots");
        this.sources = Files.createDirectories(root.resolve("sources"));
        this.provider = new FileCopyProviderFactory().create(Map.of(
                Settings.DIRECTORY, store.toString(), Settings.TECHNIQUE, technique));
    }

    Path store() {
        return store;
    }

    @Override
    public SnapshotProvider provider() {
        return provider;
    }

    @Override
    public SnapshotSource newSource() throws Exception {
        Path image = sources.resolve("source-" + count++ + ".img");
        if (technique.equals("split-mirror")) {
            try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
                file.setLength((long) BLOCKS * BLOCK);
            }
            RecordingBlockDevice primary = new RecordingBlockDevice(FileBlockDevice.open(image, BLOCK, false));
            Path replica = image.resolveSibling(image.getFileName() + ".replica");
            MirroredBlockDevice mirror = MirrorFiles.createOn(image.toString(), primary,
                    FileBlockDevice.create(replica, BLOCK, BLOCKS, false), replica.toString(),
                    FileBlockDevice.create(MirroredBlockDevice.logPath(image), BLOCK,
                            RegionLog.deviceBlocks(BLOCK, REGION, BLOCKS), false),
                    REGION, MirrorFiles.legOpener(BLOCK, BLOCKS));
            mirror.resync(null);
            opened.add(mirror);
            recorders.put(image.toString(), primary);
            return SnapshotSource.ofPath(image, mirror);
        }
        RecordingBlockDevice device = new RecordingBlockDevice(FileBlockDevice.create(image, BLOCK, BLOCKS, false));
        opened.add(device);
        recorders.put(image.toString(), device);
        return SnapshotSource.ofPath(image, device);
    }

    @Override
    public Optional<SnapshotSource> unsupportedSource() throws Exception {
        if (technique.equals("split-mirror")) {
            Path image = sources.resolve("plain-" + count++ + ".img");
            FileBlockDevice plain = FileBlockDevice.create(image, BLOCK, BLOCKS, false);
            opened.add(plain);
            return Optional.of(SnapshotSource.ofPath(image, plain));
        }
        // A directory standing where the image file should be.
        Path directory = Files.createDirectories(sources.resolve("not-a-file-" + count++));
        return Optional.of(SnapshotSource.ofPath(directory, new dev.quiesce.core.device.MemoryBlockDevice(BLOCK, BLOCKS)));
    }

    @Override
    public OptionalLong storeBytesUsed() throws IOException {
        if (!Files.exists(store)) {
            return OptionalLong.of(0);
        }
        try (Stream<Path> files = Files.list(store)) {
            long total = 0;
            for (Path file : files.toList()) {
                total += Files.size(file);
            }
            return OptionalLong.of(total);
        }
    }

    /** A snapshot's image file cut short, as a full disk or a careless operator can leave it. */
    @Override
    public boolean invalidate(SnapshotSource source, Snapshot snapshot) throws IOException {
        Path image = ((ImageSnapshot) snapshot).record().image();
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        return true;
    }

    @Override
    public Optional<DeviceWitness> witness(SnapshotSource source) {
        return Optional.ofNullable(recorders.get(source.id())).map(DeviceWitness::recording);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            provider.close();
        } catch (dev.quiesce.spi.SnapshotException e) {
            failure = new IOException("cannot close the provider", e);
        }
        for (BlockDevice device : opened) {
            try {
                device.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        PathUtils.deleteDirectory(root);
        if (failure != null) {
            throw failure;
        }
    }
}
