package dev.quiesce.fs;

import dev.quiesce.fs.BufferFork.Page;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The cached pages of one file by logical block number, in order. Pages sit in sorted
 * chunks of {@value #CHUNK} slots: a write touching the same chunk as the one before costs
 * an array store, not a tree insertion, so a sequential write pays one tree lookup per
 * {@value #CHUNK} pages (with one {@code TreeMap} entry per page, insertion was most of
 * the front end's own time in a large write). Not thread-safe: the owner's lock guards it.
 */
final class PageMap {
    private static final int SHIFT = 6;
    private static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;

    private final TreeMap<Long, Page[]> chunks = new TreeMap<>();
    /** The chunk used last, or null: sequential access finds it without the tree. */
    private Page[] last;
    private long lastKey = -1;
    private int size;

    /** Visits pages in ascending logical order. */
    interface Visitor {
        void visit(long index, Page page) throws IOException;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Page get(long index) {
        Page[] c = chunk(index >>> SHIFT, false);
        return c == null ? null : c[(int) (index & MASK)];
    }

    /** Puts {@code page} at {@code index}; returns the page it replaced, or null. */
    Page put(long index, Page page) {
        Page[] c = chunk(index >>> SHIFT, true);
        int slot = (int) (index & MASK);
        Page old = c[slot];
        c[slot] = page;
        if (old == null) {
            size++;
        }
        return old;
    }

    /** The number of pages at indexes {@code [from, to)}. */
    int count(long from, long to) {
        if (size == 0 || from >= to) {
            return 0;
        }
        int n = 0;
        for (Map.Entry<Long, Page[]> e : chunks.subMap(from >>> SHIFT, true, (to - 1) >>> SHIFT, true).entrySet()) {
            long base = e.getKey() << SHIFT;
            Page[] c = e.getValue();
            int lo = (int) Math.max(0, from - base);
            int hi = (int) Math.min(CHUNK, to - base);
            for (int s = lo; s < hi; s++) {
                if (c[s] != null) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Removes every page at {@code index} or beyond. */
    void removeFrom(long index) {
        long key = index >>> SHIFT;
        Page[] c = chunks.get(key);
        if (c != null) {
            for (int s = (int) (index & MASK); s < CHUNK; s++) {
                if (c[s] != null) {
                    c[s] = null;
                    size--;
                }
            }
            if (empty(c)) {
                chunks.remove(key);
            }
        }
        for (Iterator<Page[]> it = chunks.tailMap(key, false).values().iterator(); it.hasNext(); ) {
            size -= occupied(it.next());
            it.remove();
        }
        forgetLast();
    }

    /** Removes the pages {@code test} accepts. */
    void removeIf(Predicate<Page> test) {
        for (Iterator<Page[]> it = chunks.values().iterator(); it.hasNext(); ) {
            Page[] c = it.next();
            for (int s = 0; s < CHUNK; s++) {
                if (c[s] != null && test.test(c[s])) {
                    c[s] = null;
                    size--;
                }
            }
            if (empty(c)) {
                it.remove();
            }
        }
        forgetLast();
    }

    /** True if some page satisfies {@code test}. */
    boolean any(Predicate<Page> test) {
        for (Page[] c : chunks.values()) {
            for (Page p : c) {
                if (p != null && test.test(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    void forEach(Visitor visitor) throws IOException {
        for (Map.Entry<Long, Page[]> e : chunks.entrySet()) {
            long base = e.getKey() << SHIFT;
            Page[] c = e.getValue();
            for (int s = 0; s < CHUNK; s++) {
                if (c[s] != null) {
                    visitor.visit(base + s, c[s]);
                }
            }
        }
    }

    /** Visits runs of pages at consecutive indexes, each at most {@code maxRun} long. */
    interface RunVisitor {
        /** {@code run[0..n)} are the pages at {@code start ..}; the array is reused after the call. */
        void visit(long start, Page[] run, int n) throws IOException;
    }

    void forEachRun(int maxRun, RunVisitor visitor) throws IOException {
        Page[] run = new Page[Math.min(maxRun, size)];
        long start = -1;
        int n = 0;
        for (Map.Entry<Long, Page[]> e : chunks.entrySet()) {
            long base = e.getKey() << SHIFT;
            Page[] c = e.getValue();
            for (int s = 0; s < CHUNK; s++) {
                if (c[s] == null) {
                    continue;
                }
                if (n > 0 && (base + s != start + n || n == run.length)) {
                    visitor.visit(start, run, n);
                    n = 0;
                }
                if (n == 0) {
                    start = base + s;
                }
                run[n++] = c[s];
            }
        }
        if (n > 0) {
            visitor.visit(start, run, n);
        }
    }

    private Page[] chunk(long key, boolean create) {
        if (key == lastKey) {
            return last;
        }
        Page[] c = chunks.get(key);
        if (c == null) {
            if (!create) {
                return null;
            }
            c = new Page[CHUNK];
            chunks.put(key, c);
        }
        last = c;
        lastKey = key;
        return c;
    }

    private void forgetLast() {
        last = null;
        lastKey = -1;
    }

    private static boolean empty(Page[] c) {
        return occupied(c) == 0;
    }

    private static int occupied(Page[] c) {
        int n = 0;
        for (Page p : c) {
            if (p != null) {
                n++;
            }
        }
        return n;
    }
}
