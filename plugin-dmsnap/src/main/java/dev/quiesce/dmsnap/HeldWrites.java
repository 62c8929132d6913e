package dev.quiesce.dmsnap;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Origin writes held until their exceptions are durable, by origin chunk: an
 * open-addressing map from chunk number to its held chunk buffer, so holding a write
 * boxes nothing and allocates nothing. Guarded by the engine's lock.
 */
final class HeldWrites {
    private int[] keys;
    private ByteBuffer[] values;
    private int size;

    HeldWrites(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new int[capacity];
        values = new ByteBuffer[capacity];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The held buffer of chunk {@code c}, or null. */
    ByteBuffer get(int c) {
        if (size == 0) {
            return null;
        }
        int mask = keys.length - 1;
        for (int i = mix(c) & mask; ; i = (i + 1) & mask) {
            ByteBuffer v = values[i];
            if (v == null || keys[i] == c) {
                return v;
            }
        }
    }

    /** Holds {@code b} for chunk {@code c}, replacing any buffer held for it. */
    void put(int c, ByteBuffer b) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = mix(c) & mask; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                keys[i] = c;
                values[i] = b;
                size++;
                return;
            }
            if (keys[i] == c) {
                values[i] = b;
                return;
            }
        }
    }

    /** The held chunks, in no particular order. */
    int[] chunks() {
        int[] out = new int[size];
        int k = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                out[k++] = keys[i];
            }
        }
        return out;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(values, null);
            size = 0;
        }
    }

    private void grow() {
        int[] oldKeys = keys;
        ByteBuffer[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new ByteBuffer[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B1;
        return h ^ (h >>> 16);
    }
}
