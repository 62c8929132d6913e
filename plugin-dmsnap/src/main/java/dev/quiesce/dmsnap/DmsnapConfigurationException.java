package dev.quiesce.dmsnap;

import dev.quiesce.spi.SnapshotException;
import java.util.List;

/** The dmsnap configuration map has unknown keys or bad values; {@link #keys()} names them. Nothing was created. */
public final class DmsnapConfigurationException extends SnapshotException {
    private static final long serialVersionUID = 1L;
    private final List<String> keys;

    public DmsnapConfigurationException(List<String> keys, String message) {
        super(DmsnapProvider.NAME, null, message);
        this.keys = List.copyOf(keys);
    }

    /** The configuration keys at fault. */
    public List<String> keys() {
        return keys;
    }
}
