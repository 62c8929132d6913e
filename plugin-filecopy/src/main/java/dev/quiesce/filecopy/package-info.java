/**
 * The {@code filecopy} snapshot provider: snapshots of filesystem images kept in plain
 * files, by three techniques.
 *
 * <h2>Public API</h2>
 * {@link dev.quiesce.filecopy.FileCopyProviderFactory} (found through
 * {@link java.util.ServiceLoader}; its keys and typed
 * {@link dev.quiesce.filecopy.FileCopyConfigurationException}), and for the split-mirror
 * technique the {@link dev.quiesce.filecopy.MirroredBlockDevice} a source is written
 * through, with {@link dev.quiesce.filecopy.MirrorState},
 * {@link dev.quiesce.filecopy.ResyncProgress} and
 * {@link dev.quiesce.filecopy.MirrorException}. Everything else is package-private.
 *
 * <h2>Where each mechanism lives</h2>
 * <ul>
 *   <li>{@code FileCopyProvider}: names, idempotency, records, the prepare/cut/complete/
 *       abort state machine; {@code SnapshotStore} and {@code SnapshotRecord}: the
 *       snapshot directory and its record files.</li>
 *   <li>{@code FullCopy}, {@code Reflink}, {@code SplitMirror}: the techniques
 *       ({@code CutMethod}); {@code ImageFiles}: what the copying ones share.</li>
 *   <li>{@code MirroredBlockDevice}: the two-legged device; {@code RegionMap}: which
 *       regions may differ and when the log must be written; {@code RegionLog}: the
 *       on-disk codec of the mirror log; {@code MirrorFiles}: setting mirrors up in files.</li>
 * </ul>
 * On-disk formats: FORMAT.md beside these sources.
 */
package dev.quiesce.filecopy;
