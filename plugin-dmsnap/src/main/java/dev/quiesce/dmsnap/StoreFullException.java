package dev.quiesce.dmsnap;

import java.io.IOException;

/** The store has no room for what was asked (a usage bitmap, a catalog entry); nothing was changed. */
final class StoreFullException extends IOException {
    private static final long serialVersionUID = 1L;

    StoreFullException(String store, String message) {
        super(store + ": " + message);
    }
}
