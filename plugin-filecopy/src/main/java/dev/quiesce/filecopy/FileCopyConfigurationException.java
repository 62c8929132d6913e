package dev.quiesce.filecopy;

import dev.quiesce.spi.SnapshotException;

/**
 * A configuration key or request option of the {@code filecopy} provider is unknown,
 * missing or has a bad value; {@link #key()} names it. Nothing was created.
 */
public final class FileCopyConfigurationException extends SnapshotException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public FileCopyConfigurationException(String key, String message) {
        super(FileCopyProviderFactory.NAME, null, "configuration key '" + key + "': " + message);
        this.key = key;
    }

    public FileCopyConfigurationException(String key, String message, Throwable cause) {
        super(FileCopyProviderFactory.NAME, null, "configuration key '" + key + "': " + message, cause);
        this.key = key;
    }

    /** The key at fault. */
    public String key() {
        return key;
    }
}
