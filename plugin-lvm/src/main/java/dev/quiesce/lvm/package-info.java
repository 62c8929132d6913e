/**
 * Real Linux storage: freezing mounted filesystems and snapshotting LVM2 volumes.
 *
 * <h2>Public API</h2>
 * <ul>
 *   <li>{@link dev.quiesce.lvm.MountedFilesystem}: a {@link dev.quiesce.spi.Freezable}
 *       for any mounted filesystem, frozen by the kernel (FIFREEZE/FITHAW through
 *       util-linux {@code fsfreeze}) and held by a watchdog process, so that the kernel
 *       hold never outlives the JVM that asked for it.</li>
 *   <li>{@link dev.quiesce.lvm.LvmSnapshotProviderFactory}: the {@code lvm}
 *       {@link dev.quiesce.spi.SnapshotProviderFactory} (thick, thin, split-mirror).</li>
 *   <li>{@link dev.quiesce.lvm.KernelFreezeException} and
 *       {@link dev.quiesce.lvm.LvmException}: the kernel's and LVM's refusals, typed,
 *       with their own words attached.</li>
 * </ul>
 * Everything else is package-private. Every external program is run as an argument
 * array (never through a shell), with a bound on its time.
 *
 * <h2>Testing</h2>
 * The freeze is tested on the host on ext4 and xfs made on loop devices. LVM needs a
 * kernel with device-mapper, which the build machines lack: the {@code *GuestTest}
 * classes run inside Debian's kernel under qemu, booted by {@code GuestRunnerTest}
 * when the {@code guest} profile is on ({@code -Pguest} or {@code -Dquiesce.guest=true}).
 */
package dev.quiesce.lvm;
