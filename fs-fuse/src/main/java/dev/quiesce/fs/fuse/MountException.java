package dev.quiesce.fs.fuse;

import java.nio.file.FileSystemException;

/**
 * A FUSE mount or unmount could not be done: no {@code /dev/fuse}, no libfuse, the mount
 * point busy or already mounted, an unmount command that failed. Names the mount point.
 */
public final class MountException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public MountException(String mountPoint, String reason) {
        super(mountPoint, null, reason);
    }

    public MountException(String mountPoint, String reason, Throwable cause) {
        super(mountPoint, null, reason);
        initCause(cause);
    }
}
