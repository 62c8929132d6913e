package dev.quiesce.fs;

import java.io.IOException;

/**
 * A btree of unsigned 63-bit keys to small byte values, one class for every tree of the
 * format (inode table, directories, extents, orphans, the bitmap file's extents).
 *
 * <p>Reading needs no lock: nodes are immutable once written or pinned. Only the
 * committer (and replay) changes trees, and it does so by redirect-on-write: every node
 * on the path to a change is copied ({@link Node#copy()}), the block of the original is
 * handed to the free callback (a pinned one is dropped once the commit is published, a
 * written one freed after the next rollup, see {@link Index}). {@link #pin} keeps the
 * copies in memory at the end of a commit; {@link #flush}, at rollup, writes them and
 * every pinned node still reachable to newly allocated blocks, leaves first.
 * Lookup, insert and delete are O(log n); nodes split by bytes, and a node left
 * empty is dropped, so the tree never holds empty nodes.
 */
final class BTree {
    /** Where a flush puts dirty nodes, and what it tells the log. */
    interface NodeSink {
        long allocateNode() throws IOException;

        void write(long block, byte[] data) throws IOException;

        long seq();
    }

    /** Takes a block that the tree no longer references (freed when the delta commits). */
    interface Frees {
        void free(long block, long count);
    }

    /** Visits entries in key order; returns false to stop. */
    interface Visitor {
        boolean visit(long key, byte[] value) throws IOException;
    }

    private final NodeStore store;
    private final int kind;
    private TreeRef rootRef;
    private Node root;
    private boolean changed;

    BTree(NodeStore store, int kind, TreeRef ref) {
        this.store = store;
        this.kind = kind;
        this.rootRef = ref;
    }

    int kind() {
        return kind;
    }

    boolean isEmpty() throws IOException {
        return root() == null;
    }

    /** Whether the tree has changes not yet flushed. */
    boolean isDirty() {
        return changed;
    }

    private Node root() throws IOException {
        if (root == null && !rootRef.isEmpty()) {
            root = store.load(rootRef.block(), rootRef.seq(), -1, kind);
        }
        return root;
    }

    private Node child(Node n, int i) throws IOException {
        Node c = n.childNodes[i];
        if (c != null) {
            return c;
        }
        return store.load(n.childBlocks[i], n.childSeqs[i], n.level - 1, kind);
    }

    byte[] get(long key) throws IOException {
        Node n = root();
        if (n == null) {
            return null;
        }
        while (!n.isLeaf()) {
            n = child(n, n.childFor(key));
        }
        int i = n.floor(key);
        return i >= 0 && n.keys[i] == key ? n.values[i] : null;
    }

    /** The entry with the greatest key <= {@code key}, as {key, value} via the visitor; false if none. */
    boolean floor(long key, Visitor v) throws IOException {
        long[] found = {-1};
        byte[][] value = {null};
        Node n = root();
        if (n == null) {
            return false;
        }
        floorIn(n, key, found, value);
        if (found[0] < 0) {
            return false;
        }
        v.visit(found[0], value[0]);
        return true;
    }

    private void floorIn(Node n, long key, long[] found, byte[][] value) throws IOException {
        if (n.isLeaf()) {
            int i = n.floor(key);
            if (i >= 0) {
                found[0] = n.keys[i];
                value[0] = n.values[i];
            }
            return;
        }
        int c = n.childFor(key);
        floorIn(child(n, c), key, found, value);
        if (found[0] < 0 && c > 0) {
            floorIn(child(n, c - 1), key, found, value);
        }
    }

    /** Visits entries with keys >= {@code from} in order until the visitor returns false. */
    void forEach(long from, Visitor v) throws IOException {
        Node n = root();
        if (n != null) {
            walk(n, from, v);
        }
    }

    private boolean walk(Node n, long from, Visitor v) throws IOException {
        if (n.isLeaf()) {
            for (int i = Math.max(0, n.floor(from)); i < n.count; i++) {
                if (n.keys[i] >= from && !v.visit(n.keys[i], n.values[i])) {
                    return false;
                }
            }
            return true;
        }
        for (int i = n.childFor(from); i < n.count; i++) {
            if (!walk(child(n, i), from, v)) {
                return false;
            }
        }
        return true;
    }

    private Node mutable(Node n, Frees frees) {
        if (!n.isDirty()) {
            Node copy = n.copy();
            frees.free(n.block, 1);
            return copy;
        }
        return n;
    }

    void put(long key, byte[] value, Frees frees) throws IOException {
        changed = true;
        Node r = root();
        if (r == null) {
            r = Node.leaf();
            r.insertLeaf(0, key, value);
            root = r;
            return;
        }
        r = mutable(r, frees);
        Node right = insert(r, key, value, frees);
        if (right != null) {
            Node top = Node.index(r.level + 1);
            top.insertChild(0, r.keys[0], r);
            top.insertChild(1, right.keys[0], right);
            r = top;
        }
        root = r;
    }

    private Node insert(Node n, long key, byte[] value, Frees frees) throws IOException {
        if (n.isLeaf()) {
            int i = n.floor(key);
            if (i >= 0 && n.keys[i] == key) {
                n.replaceLeaf(i, value);
            } else {
                n.insertLeaf(i + 1, key, value);
            }
        } else {
            int c = n.childFor(key);
            if (c == 0 && key < n.keys[0]) {
                // The first key of an index node is only a lower bound of its first child;
                // keep it one, or a split of that child would put keys out of order.
                n.keys[0] = key;
            }
            Node child = mutable(child(n, c), frees);
            n.setChild(c, child);
            Node right = insert(child, key, value, frees);
            if (right != null) {
                n.insertChild(c + 1, right.keys[0], right);
            }
        }
        return n.bytes > store.blockSize() ? split(n) : null;
    }

    private Node split(Node n) {
        int half = (n.bytes - DiskFormat.HEADER) / 2;
        int acc = 0;
        int at = 1;
        for (int i = 0; i < n.count - 1; i++) {
            acc += n.isLeaf() ? DiskFormat.leafEntrySize(n.values[i]) : DiskFormat.INDEX_ENTRY;
            at = i + 1;
            if (acc >= half) {
                break;
            }
        }
        return n.splitOff(at);
    }

    /** Removes {@code key}; returns whether it was there. */
    boolean remove(long key, Frees frees) throws IOException {
        if (get(key) == null) {
            return false;
        }
        changed = true;
        Node r = mutable(root(), frees);
        removeIn(r, key, frees);
        if (r.count == 0) {
            r = null;
        }
        while (r != null && !r.isLeaf() && r.count == 1) {
            r = child(r, 0);
        }
        root = r;
        if (r == null) {
            rootRef = TreeRef.EMPTY;
        }
        return true;
    }

    private void removeIn(Node n, long key, Frees frees) throws IOException {
        if (n.isLeaf()) {
            int i = n.floor(key);
            n.remove(i);
            return;
        }
        int c = n.childFor(key);
        Node child = mutable(child(n, c), frees);
        removeIn(child, key, frees);
        if (child.count == 0) {
            n.remove(c);
        } else {
            n.setChild(c, child);
        }
    }

    /** Frees every node (not the values' blocks: the caller frees those it knows of). */
    void freeAll(Frees frees) throws IOException {
        Node r = root();
        if (r != null) {
            freeNodes(r, frees);
        }
        root = null;
        rootRef = TreeRef.EMPTY;
        changed = true;
    }

    private void freeNodes(Node n, Frees frees) throws IOException {
        if (!n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                freeNodes(child(n, i), frees);
            }
        }
        if (!n.isDirty()) {
            frees.free(n.block, 1);
        }
    }

    /**
     * Writes every dirty node and every pinned node reachable from the root, children
     * first, and returns the new root pointer; pinned nodes written are handed to
     * {@code frees} (they are replaced by written copies).
     */
    TreeRef flush(NodeSink sink, Frees frees) throws IOException {
        changed = false;
        if (root == null) {
            if (!NodeStore.isVirtual(rootRef.block())) {
                return rootRef;
            }
            root = root();
        }
        rootRef = flushNode(root, sink, frees);
        root = null;
        return rootRef;
    }

    /** Pins every dirty node in memory (no block is written) and returns the new root pointer. */
    TreeRef pin(long seq) {
        changed = false;
        if (root == null) {
            return rootRef;
        }
        rootRef = pinNode(root, seq);
        return rootRef;
    }

    private TreeRef pinNode(Node n, long seq) {
        if (!n.isDirty()) {
            return new TreeRef(n.block, n.seq);
        }
        if (!n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                Node c = n.childNodes[i];
                if (c != null) {
                    TreeRef ref = pinNode(c, seq);
                    n.childBlocks[i] = ref.block();
                    n.childSeqs[i] = ref.seq();
                    n.childNodes[i] = null;
                }
            }
        }
        store.pin(n, seq);
        return new TreeRef(n.block, n.seq);
    }

    /** How many nodes a {@link #flush} would write now. */
    int dirtyNodes() {
        return root == null ? 0 : countDirty(root);
    }

    private static int countDirty(Node n) {
        if (!n.isDirty()) {
            return 0;
        }
        int c = 1;
        if (!n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                if (n.childNodes[i] != null) {
                    c += countDirty(n.childNodes[i]);
                }
            }
        }
        return c;
    }

    /** The current root pointer; only meaningful when the tree is not dirty. */
    TreeRef ref() {
        return root == null ? rootRef : new TreeRef(root.block, root.seq);
    }

    private TreeRef flushNode(Node node, NodeSink sink, Frees frees) throws IOException {
        Node n = node;
        if (!n.isDirty()) {
            if (!NodeStore.isVirtual(n.block)) {
                return new TreeRef(n.block, n.seq);
            }
            n = n.copy();
            frees.free(node.block, 1);
        }
        if (!n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                Node c = n.childNodes[i];
                if (c == null && NodeStore.isVirtual(n.childBlocks[i])) {
                    c = store.load(n.childBlocks[i], n.childSeqs[i], n.level - 1, kind);
                }
                if (c != null) {
                    TreeRef ref = flushNode(c, sink, frees);
                    n.childBlocks[i] = ref.block();
                    n.childSeqs[i] = ref.seq();
                    n.childNodes[i] = null;
                }
            }
        }
        long block = sink.allocateNode();
        long seq = sink.seq();
        sink.write(block, DiskFormat.encodeNode(n, kind, store.volumeId(), seq, store.blockSize()));
        n.block = block;
        n.seq = seq;
        store.remember(n);
        return new TreeRef(block, seq);
    }
}
