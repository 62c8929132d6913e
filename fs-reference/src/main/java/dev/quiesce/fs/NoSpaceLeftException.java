package dev.quiesce.fs;

import java.nio.file.FileSystemException;

/**
 * The volume has too few free blocks for the worst case of this operation (ENOSPC).
 * Raised in the front end before the operation changed anything; unlink, rmdir and
 * shrinking truncate still work on a full volume and free space.
 */
public final class NoSpaceLeftException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public NoSpaceLeftException(String path, String reason) {
        super(path, null, "no space left on device: " + reason);
    }
}
