package dev.quiesce.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What is snapshotted: a stable identifier, the device through which the source is
 * read and written, and, for sources kept in files or device nodes, their path.
 * Two sources with the same {@link #id()} are the same source (SPEC.md S4, S5).
 */
public final class SnapshotSource {
    private final String id;
    private final BlockDevice device;
    private final Path path;

    private SnapshotSource(String id, BlockDevice device, Path path) {
        this.id = Objects.requireNonNull(id, "id");
        this.device = Objects.requireNonNull(device, "device");
        this.path = path;
        if (id.isBlank()) {
            throw new IllegalArgumentException("source id must not be blank");
        }
    }

    /** A source known only as a device, identified by {@code id}. */
    public static SnapshotSource of(String id, BlockDevice device) {
        return new SnapshotSource(id, device, null);
    }

    /**
     * A source kept in a file or device node; its id is the absolute, normalized path.
     */
    public static SnapshotSource ofPath(Path path, BlockDevice device) {
        Path absolute = path.toAbsolutePath().normalize();
        return new SnapshotSource(absolute.toString(), device, absolute);
    }

    public String id() { return id; }

    public BlockDevice device() { return device; }

    public Optional<Path> path() { return Optional.ofNullable(path); }

    @Override
    public String toString() {
        return id;
    }
}
