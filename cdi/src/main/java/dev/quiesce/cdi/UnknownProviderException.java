package dev.quiesce.cdi;

import dev.quiesce.spi.SnapshotException;
import java.util.List;

/** No provider of that name was discovered; the message lists those that were. */
public final class UnknownProviderException extends SnapshotException {
    private static final long serialVersionUID = 1L;
    private final List<String> known;

    public UnknownProviderException(String name, List<String> known) {
        super(name, null, "unknown provider; known providers: "
                + (known.isEmpty() ? "(none found on the class path)" : String.join(", ", known)));
        this.known = List.copyOf(known);
    }

    /** The names that were discovered. */
    public List<String> known() {
        return known;
    }
}
