/**
 * Dusk images for every program on the machine: a FUSE mount (libfuse 2 through jnr-fuse)
 * and a control channel that freezes the live, mounted filesystem.
 *
 * <p>Public: {@link dev.quiesce.fs.fuse.FuseMount} (mount, close, umount of another
 * process's or a dead mount), {@link dev.quiesce.fs.fuse.MountOptions},
 * {@link dev.quiesce.fs.fuse.MountedFreezable} (the {@code Freezable} client, SPEC.md
 * F1-F16), {@link dev.quiesce.fs.fuse.MountException}.
 *
 * <p>One file per mechanism, the rest package-private:
 * <ul>
 *   <li>{@code DuskFuse} - the FUSE operations on the Dusk API, errno mapping in {@code Errno};</li>
 *   <li>{@code Mounts} - the kernel's mount table, dead mounts, fusermount/umount;</li>
 *   <li>{@code ControlProtocol} - the control channel's wire format (PROTOCOL.md);</li>
 *   <li>{@code ControlServer} - the mount side: one hold per connection, held no longer than it;</li>
 *   <li>{@code ControlClient}, {@code RemoteFreezeHandle} - the client side, every wait bounded;</li>
 *   <li>fs-reference's {@code ImageLock} and {@code Dusk.probeBlockSize} - keeping a second mount off an image, recognising one.</li>
 * </ul>
 *
 * <p>Why not {@code fsfreeze}: the kernel answers FIFREEZE on a FUSE mount with
 * EOPNOTSUPP (FuseMountTest checks it), so the freeze must reach the filesystem inside
 * the mount process.
 */
package dev.quiesce.fs.fuse;
