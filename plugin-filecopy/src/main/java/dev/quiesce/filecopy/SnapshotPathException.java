package dev.quiesce.filecopy;

import dev.quiesce.spi.SnapshotException;
import java.nio.file.Path;

/**
 * A snapshot's file cannot be made where it belongs: its name would resolve outside the
 * snapshot directory, the directory refuses writes, or a link stands in the way.
 * {@link #path()} names the file or directory; nothing was left behind.
 */
public final class SnapshotPathException extends SnapshotException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    public SnapshotPathException(String snapshot, Path path, String message, Throwable cause) {
        super(FileCopyProviderFactory.NAME, snapshot, path + ": " + message, cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
