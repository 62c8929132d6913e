package dev.quiesce.cdi;

/**
 * Fired asynchronously when a provider has cut a snapshot, while the target may still
 * be frozen. Like {@link Frozen}, only {@code @ObservesAsync} observers receive it, on a
 * notification thread, so they cannot stretch the freeze window.
 *
 * @param operation the snapshot (or snapshot set) name
 * @param snapshot  the snapshot's name
 * @param source    the {@link dev.quiesce.spi.SnapshotSource#id()} that was cut
 * @param provider  the provider that cut it
 */
public record SnapshotCut(String operation, String snapshot, String source, String provider) {
}
