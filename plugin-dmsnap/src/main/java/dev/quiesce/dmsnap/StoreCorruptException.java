package dev.quiesce.dmsnap;

import java.io.IOException;

/**
 * A dmsnap store failed a check while being read: a bad magic, a checksum mismatch or
 * an impossible field. Names the store, the chunk and the byte offset in it. Nothing was
 * changed by the failed read; restore the store from a copy or recreate it.
 */
public final class StoreCorruptException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String store;
    private final long chunk;
    private final long offset;

    public StoreCorruptException(String store, long chunk, long offset, String message) {
        super(store + ": chunk " + chunk + " offset " + offset + ": " + message);
        this.store = store;
        this.chunk = chunk;
        this.offset = offset;
    }

    public StoreCorruptException(String store, long chunk, long offset, String message, Throwable cause) {
        this(store, chunk, offset, message);
        initCause(cause);
    }

    /** The store's device name. */
    public String store() { return store; }

    /** The store chunk that failed. */
    public long chunk() { return chunk; }

    /** The byte offset in that chunk. */
    public long offset() { return offset; }
}
