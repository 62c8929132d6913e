/**
 * Dusk, the reference filesystem: a crash-safe, Tux3-style filesystem over any
 * {@link dev.quiesce.spi.BlockDevice}, and a {@link dev.quiesce.spi.Freezable}.
 *
 * <p>Public: {@link dev.quiesce.fs.Dusk} (format, mount, the file API, fsck, freeze),
 * {@link dev.quiesce.fs.DuskFile}, {@link dev.quiesce.fs.DuskOptions}, the records
 * {@link dev.quiesce.fs.FileStat}, {@link dev.quiesce.fs.FsStat},
 * {@link dev.quiesce.fs.FsckReport}, {@link dev.quiesce.fs.FileType}, the fsck callback
 * {@link dev.quiesce.fs.FsckProgress}, and the typed
 * errors {@link dev.quiesce.fs.CorruptFilesystemException},
 * {@link dev.quiesce.fs.NoSpaceLeftException}, {@link dev.quiesce.fs.ReadOnlyMountException}.
 *
 * <p>One file per mechanism, the rest package-private:
 * <ul>
 *   <li>{@code DiskFormat} - every on-disk field and check (FORMAT.md says the same);</li>
 *   <li>{@code Format} - making a volume, choosing the superblock copy at mount;</li>
 *   <li>{@code DeltaGate}, {@code Delta} - the change brackets and a delta's change set;</li>
 *   <li>{@code Namespace}, {@code FileData}, {@code PageMap} - the front end: names, inodes, pages;</li>
 *   <li>{@code BufferFork} - forking pages a commit may be writing;</li>
 *   <li>{@code Writeback}, {@code BackgroundFlush} - writing dirty data ahead of its commit, and
 *       flushing it while writing goes on;</li>
 *   <li>{@code AdjacentWrites} - small writes to adjacent blocks joined into one device write;</li>
 *   <li>{@code SpaceAccounting} - worst-case reservations, the floor for freeing ops;</li>
 *   <li>{@code Commit} - the committer thread (or an fsync's own thread), delayed allocation,
 *       commit order;</li>
 *   <li>{@code BTree}, {@code Node}, {@code NodeStore}, {@code Extents} - redirect-on-write trees;</li>
 *   <li>{@code Index} - the index between rollups: logged as records, pinned in memory;</li>
 *   <li>{@code Allocation} - the bitmap file in cache, delayed frees;</li>
 *   <li>{@code Log}, {@code Rollup}, {@code Replay} - the log chain, rollups, replay at mount;</li>
 *   <li>{@code Fsck} - the invariant checker.</li>
 * </ul>
 */
package dev.quiesce.fs;
