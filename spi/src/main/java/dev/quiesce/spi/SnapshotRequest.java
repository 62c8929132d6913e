package dev.quiesce.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A request for one snapshot: the caller's name for it (the idempotency key, SPEC.md
 * S4), the source, optionally the block-usage bitmap from the freeze (S1), and options
 * for the provider.
 *
 * <p>Names are 1-128 characters of {@code [A-Za-z0-9._-]} and do not start with
 * {@code .} or {@code -}, so a name can never climb out of a directory or look like an
 * option on a command line. Providers may narrow this further.
 */
public final class SnapshotRequest {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    private final String name;
    private final SnapshotSource source;
    private final BlockUsage usage;
    private final Map<String, String> options;

    private SnapshotRequest(String name, SnapshotSource source, BlockUsage usage, Map<String, String> options) {
        this.name = checkName(name);
        this.source = Objects.requireNonNull(source, "source");
        this.usage = usage;
        this.options = Map.copyOf(options);
        if (usage != null && usage.blockCount() * usage.blockSize() != source.device().sizeBytes()) {
            throw new IllegalArgumentException("block usage covers " + usage.blockCount() * usage.blockSize()
                    + " bytes but source '" + source.id() + "' has " + source.device().sizeBytes());
        }
    }

    public static SnapshotRequest of(String name, SnapshotSource source) {
        return new SnapshotRequest(name, source, null, Map.of());
    }

    /** Throws {@link IllegalArgumentException} saying what is wrong with {@code name}. */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "snapshot name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid snapshot name '" + name + "': use 1-128 characters of "
                    + "A-Z a-z 0-9 . _ -, not starting with '.' or '-'");
        }
        return name;
    }

    public SnapshotRequest withBlockUsage(BlockUsage blockUsage) {
        return new SnapshotRequest(name, source, Objects.requireNonNull(blockUsage, "blockUsage"), options);
    }

    public SnapshotRequest withOption(String key, String value) {
        Map<String, String> copy = new TreeMap<>(options);
        copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new SnapshotRequest(name, source, usage, copy);
    }

    public String name() { return name; }

    public SnapshotSource source() { return source; }

    public Optional<BlockUsage> blockUsage() { return Optional.ofNullable(usage); }

    public Map<String, String> options() { return options; }

    @Override
    public String toString() {
        return "snapshot '" + name + "' of " + source.id();
    }
}
