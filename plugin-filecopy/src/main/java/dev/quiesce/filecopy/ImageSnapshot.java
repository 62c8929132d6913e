package dev.quiesce.filecopy;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A snapshot kept in an image file, as its record describes it (SPEC.md S1-S3, S13): it
 * opens read-only, and an image that went missing or changed size makes it invalid
 * rather than readable.
 */
final class ImageSnapshot implements Snapshot {
    private final SnapshotRecord record;

    ImageSnapshot(SnapshotRecord record) {
        this.record = record;
    }

    SnapshotRecord record() {
        return record;
    }

    @Override public String id() { return record.id(); }
    @Override public String name() { return record.name(); }
    @Override public String sourceId() { return record.sourceId(); }
    @Override public Technique technique() { return record.technique(); }
    @Override public Instant createdAt() { return record.createdAt(); }
    @Override public boolean isReady() { return record.ready(); }

    @Override
    public boolean isValid() {
        return problem() == null;
    }

    private String problem() {
        Path image = record.image();
        try {
            if (!Files.isRegularFile(image)) {
                return "its image " + image + " is missing";
            }
            long expected = (long) record.blockSize() * record.blockCount();
            long size = Files.size(image);
            return size == expected ? null : "its image " + image + " has " + size + " bytes, not " + expected;
        } catch (IOException e) {
            return "its image " + image + " cannot be read: " + e.getMessage();
        }
    }

    @Override
    public BlockDevice open() throws IOException {
        if (!record.ready()) {
            throw new IOException("snapshot '" + record.name() + "' is cut but not complete yet; call complete() first");
        }
        String problem = problem();
        if (problem != null) {
            throw new InvalidSnapshotException(record.name(), problem);
        }
        return new SnapshotView(record.name(), FileBlockDevice.open(record.image(), record.blockSize(), true));
    }

    @Override
    public String toString() {
        return "snapshot '" + record.name() + "' of " + record.sourceId() + " (" + record.technique() + ", "
                + record.image() + ")";
    }
}
