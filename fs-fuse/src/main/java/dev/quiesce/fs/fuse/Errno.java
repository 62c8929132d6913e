package dev.quiesce.fs.fuse;

import dev.quiesce.fs.CorruptFilesystemException;
import dev.quiesce.fs.NoSpaceLeftException;
import dev.quiesce.fs.ReadOnlyMountException;
import dev.quiesce.spi.TargetFrozenException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The errno a FUSE reply carries for an exception of the Dusk API, negated as FUSE wants
 * it. Typed exceptions map by type. Dusk reports a few POSIX cases as a plain
 * {@link FileSystemException} with a reason ("is a directory", "too many levels of
 * symbolic links"): those map by their reason, and anything else is EIO.
 */
final class Errno {
    private Errno() {
    }

    static int of(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return -ErrorCodes.ENOENT();
        }
        if (e instanceof FileAlreadyExistsException) {
            return -ErrorCodes.EEXIST();
        }
        if (e instanceof DirectoryNotEmptyException) {
            return -ErrorCodes.ENOTEMPTY();
        }
        if (e instanceof NotDirectoryException) {
            return -ErrorCodes.ENOTDIR();
        }
        if (e instanceof AccessDeniedException) {
            return -ErrorCodes.EACCES();
        }
        if (e instanceof NoSpaceLeftException) {
            return -ErrorCodes.ENOSPC();
        }
        if (e instanceof ReadOnlyMountException || e instanceof java.nio.file.ReadOnlyFileSystemException) {
            return -ErrorCodes.EROFS();
        }
        if (e instanceof TargetFrozenException) {
            return -ErrorCodes.EDEADLK();
        }
        if (e instanceof CorruptFilesystemException) {
            return -ErrorCodes.EIO();
        }
        if (e instanceof InvalidPathException) {
            String reason = String.valueOf(((InvalidPathException) e).getReason());
            return reason.contains("longer than") ? -ErrorCodes.ENAMETOOLONG() : -ErrorCodes.EINVAL();
        }
        if (e instanceof IllegalArgumentException) {
            return -ErrorCodes.EINVAL();
        }
        if (e instanceof FileSystemException) {
            return byReason(String.valueOf(((FileSystemException) e).getReason()).toLowerCase(Locale.ROOT));
        }
        return -ErrorCodes.EIO();
    }

    private static int byReason(String reason) {
        if (reason.contains("is a directory") || reason.contains("not a regular file")
                || reason.contains("replace a directory with a non-directory")) {
            return -ErrorCodes.EISDIR();
        }
        if (reason.contains("symbolic links")) {
            return -ErrorCodes.ELOOP();
        }
        if (reason.contains("hard links to directories")) {
            return -ErrorCodes.EPERM();
        }
        if (reason.contains("into itself") || reason.contains("not a symbolic link")) {
            return -ErrorCodes.EINVAL();
        }
        return -ErrorCodes.EIO();
    }
}
