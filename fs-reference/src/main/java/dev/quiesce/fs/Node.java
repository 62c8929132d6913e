package dev.quiesce.fs;

import java.util.Arrays;

/**
 * One btree node in memory. A node read from disk, written by a commit or pinned in
 * memory until the next rollup ({@code block != 0}, see {@link NodeStore#pin}) is never
 * changed again: it may be shared by the published trees readers use and
 * by the committer's working trees. The committer changes a tree by copying the nodes on
 * the path (redirect-on-write); a copy has {@code block == 0} until the commit writes it.
 * Keys are unsigned 63-bit numbers (inode numbers, logical blocks, name hashes).
 */
final class Node {
    final int level;
    int count;
    long[] keys;
    byte[][] values;
    long[] childBlocks;
    long[] childSeqs;
    Node[] childNodes;
    long block;
    long seq;
    int bytes;

    private Node(int level, int capacity) {
        this.level = level;
        this.keys = new long[capacity];
        if (level == 0) {
            values = new byte[capacity][];
        } else {
            childBlocks = new long[capacity];
            childSeqs = new long[capacity];
            childNodes = new Node[capacity];
        }
        bytes = DiskFormat.HEADER;
    }

    static Node leaf() {
        return new Node(0, 8);
    }

    static Node index(int level) {
        return new Node(level, 8);
    }

    boolean isLeaf() {
        return level == 0;
    }

    boolean isDirty() {
        return block == 0;
    }

    /** A dirty copy to change; the original stays as it was. */
    Node copy() {
        Node n = new Node(level, Math.max(8, count));
        n.count = count;
        n.bytes = bytes;
        System.arraycopy(keys, 0, n.keys, 0, count);
        if (level == 0) {
            System.arraycopy(values, 0, n.values, 0, count);
        } else {
            System.arraycopy(childBlocks, 0, n.childBlocks, 0, count);
            System.arraycopy(childSeqs, 0, n.childSeqs, 0, count);
            System.arraycopy(childNodes, 0, n.childNodes, 0, count);
        }
        return n;
    }

    /** Index of the greatest key <= {@code key}, or -1 when all keys are greater. */
    int floor(long key) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] <= key) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** For an index node: which child covers {@code key} (the first child covers everything below). */
    int childFor(long key) {
        return Math.max(0, floor(key));
    }

    void ensureCapacity(int n) {
        if (n <= keys.length) {
            return;
        }
        int cap = Math.max(n, keys.length * 2);
        keys = Arrays.copyOf(keys, cap);
        if (level == 0) {
            values = Arrays.copyOf(values, cap);
        } else {
            childBlocks = Arrays.copyOf(childBlocks, cap);
            childSeqs = Arrays.copyOf(childSeqs, cap);
            childNodes = Arrays.copyOf(childNodes, cap);
        }
    }

    void insertLeaf(int at, long key, byte[] value) {
        ensureCapacity(count + 1);
        System.arraycopy(keys, at, keys, at + 1, count - at);
        System.arraycopy(values, at, values, at + 1, count - at);
        keys[at] = key;
        values[at] = value;
        count++;
        bytes += DiskFormat.leafEntrySize(value);
    }

    void replaceLeaf(int at, byte[] value) {
        bytes += DiskFormat.leafEntrySize(value) - DiskFormat.leafEntrySize(values[at]);
        values[at] = value;
    }

    void insertChild(int at, long key, Node child) {
        ensureCapacity(count + 1);
        System.arraycopy(keys, at, keys, at + 1, count - at);
        System.arraycopy(childBlocks, at, childBlocks, at + 1, count - at);
        System.arraycopy(childSeqs, at, childSeqs, at + 1, count - at);
        System.arraycopy(childNodes, at, childNodes, at + 1, count - at);
        keys[at] = key;
        setChild(at, child);
        count++;
        bytes += DiskFormat.INDEX_ENTRY;
    }

    void setChild(int at, Node child) {
        childNodes[at] = child;
        childBlocks[at] = child.block;
        childSeqs[at] = child.seq;
    }

    void remove(int at) {
        bytes -= level == 0 ? DiskFormat.leafEntrySize(values[at]) : DiskFormat.INDEX_ENTRY;
        int tail = count - at - 1;
        System.arraycopy(keys, at + 1, keys, at, tail);
        if (level == 0) {
            System.arraycopy(values, at + 1, values, at, tail);
            values[count - 1] = null;
        } else {
            System.arraycopy(childBlocks, at + 1, childBlocks, at, tail);
            System.arraycopy(childSeqs, at + 1, childSeqs, at, tail);
            System.arraycopy(childNodes, at + 1, childNodes, at, tail);
            childNodes[count - 1] = null;
        }
        count--;
    }

    /** Moves the entries from {@code from} on into a new node of the same level. */
    Node splitOff(int from) {
        Node right = new Node(level, Math.max(8, count - from));
        for (int i = from; i < count; i++) {
            if (level == 0) {
                right.insertLeaf(right.count, keys[i], values[i]);
            } else {
                right.ensureCapacity(right.count + 1);
                right.keys[right.count] = keys[i];
                right.childBlocks[right.count] = childBlocks[i];
                right.childSeqs[right.count] = childSeqs[i];
                right.childNodes[right.count] = childNodes[i];
                right.count++;
                right.bytes += DiskFormat.INDEX_ENTRY;
            }
        }
        while (count > from) {
            remove(count - 1);
        }
        return right;
    }
}
