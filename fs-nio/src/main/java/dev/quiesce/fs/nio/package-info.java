/**
 * Dusk images as {@code java.nio.file} filesystems: {@link dev.quiesce.fs.nio.DuskFileSystemProvider}
 * (scheme {@code dusk}) is the only public type, registered for {@link java.util.ServiceLoader};
 * {@code FileSystems.newFileSystem(imagePath)} mounts an image.
 *
 * <p>Package-private, one class per NIO type: {@code DuskFileSystem} (the mount, its
 * lifecycle and open resources), {@code DuskPath}, {@code FileOperations} (the
 * provider's operations on the Dusk API), {@code DuskByteChannel},
 * {@code DuskDirectoryStream}, {@code DuskAttributes} and {@code DuskAttributeView},
 * {@code DuskFileStore}, {@code MountSettings} (the env map), and the image lock and probe from fs-reference ({@code ImageLock}, {@code Dusk.probeBlockSize}).
 */
package dev.quiesce.fs.nio;
