package dev.quiesce.fs;

import java.nio.file.FileSystemException;

/** A change was asked of a filesystem mounted read-only (EROFS); nothing was changed. */
public final class ReadOnlyMountException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyMountException(String path) {
        super(path, null, "filesystem is mounted read-only");
    }
}
