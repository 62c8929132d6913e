package dev.quiesce.dmsnap;

import java.util.Arrays;

/**
 * The slot-table entries changed since the last commit: (data chunk, exception word)
 * pairs in two growable primitive arrays, so recording one allocates nothing. Where a data
 * chunk was recorded twice (a copy then its deletion, in one commit window) the later
 * entry wins, as the commit applies them in data-chunk order, ties in recording order.
 */
final class DirtySlots {
    private long[] chunks = new long[64];
    private long[] words = new long[64];
    private int count;

    void put(long dataChunk, long word) {
        if (count == chunks.length) {
            chunks = Arrays.copyOf(chunks, count * 2);
            words = Arrays.copyOf(words, count * 2);
        }
        chunks[count] = dataChunk;
        words[count] = word;
        count++;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Receives one entry. */
    interface Entry {
        void accept(long dataChunk, long word) throws java.io.IOException;
    }

    /** Calls {@code action} for every entry in data-chunk order (ties in recording order), then forgets them all. */
    void drain(Entry action) throws java.io.IOException {
        // Data chunks are below 2^32 (a slot names one in 32 bits): chunk << 32 | index sorts
        // by chunk then by recording order once the sign bit is flipped to make it unsigned.
        long[] order = new long[count];
        for (int i = 0; i < count; i++) {
            order[i] = ((chunks[i] << 32) | i) ^ Long.MIN_VALUE;
        }
        Arrays.sort(order);
        int n = count;
        count = 0;
        for (int k = 0; k < n; k++) {
            int i = (int) (order[k] ^ Long.MIN_VALUE);
            action.accept(chunks[i], words[i]);
        }
    }
}
