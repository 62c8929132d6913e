package dev.quiesce.filecopy;

import java.io.IOException;

/**
 * A mirror cannot be set up, opened or split: a replica of the wrong size, a corrupt or
 * foreign mirror log, a split of a replica that is not in sync. {@link #device()} names
 * the file or device at fault.
 */
public final class MirrorException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String device;

    public MirrorException(String device, String message) {
        super(device + ": " + message);
        this.device = device;
    }

    public MirrorException(String device, String message, Throwable cause) {
        super(device + ": " + message, cause);
        this.device = device;
    }

    /** The file or device the error is about. */
    public String device() {
        return device;
    }
}
