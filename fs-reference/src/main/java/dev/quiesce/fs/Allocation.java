package dev.quiesce.fs;

import dev.quiesce.spi.BlockUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The allocation bitmap: a file of bitmap blocks (one bit per volume block, 1 = in use)
 * whose data tree is the bitmap tree, kept in cache and changed only by the committer.
 * It is written to disk only at rollup ({@link Rollup}); between rollups the log holds
 * every change (BALLOC, BFREE), so the bitmap on disk plus the log is always the truth.
 *
 * <p>Delayed freeing: a block released by a delta stays marked in use until that delta
 * has committed ({@link #freeAfterCommit}), so no block of the last committed image is
 * ever overwritten. Log blocks are released only at the next rollup, when the chain they
 * belong to is retired ({@link #chainBlocks}). Pages are loaded on first use, so a huge,
 * mostly empty volume costs only the pages it touches; holes in the bitmap file read as
 * all-free pages.
 */
final class Allocation {
    /** Where allocations and frees are reported, to be logged. */
    interface Recorder {
        void record(int type, long a, long b);
    }

    private final NodeStore store;
    private final long blockCount;
    private final int bitsPerPage;
    private final byte[][] pages;
    private BTree bitmapTree;
    private long free;
    private long cursor = 2;
    private final BitSet dirtySinceRollup = new BitSet();
    final List<long[]> freeAfterCommit = new ArrayList<>();
    final List<long[]> chainBlocks = new ArrayList<>();

    Allocation(NodeStore store, TreeRef bitmapRoot, long free) {
        this.store = store;
        this.blockCount = store.blockCount();
        this.bitsPerPage = DiskFormat.bitsPerPage(store.blockSize());
        this.pages = new byte[Math.toIntExact((blockCount + bitsPerPage - 1) / bitsPerPage)][];
        this.bitmapTree = new BTree(store, DiskFormat.KIND_BITMAP, bitmapRoot);
        this.free = free;
    }

    long free() {
        return free;
    }

    String deviceName() {
        return store.deviceName();
    }

    private byte[] page(long block) throws IOException {
        int p = (int) (block / bitsPerPage);
        byte[] bits = pages[p];
        if (bits == null) {
            byte[] extent = bitmapTree.get(p);
            if (extent == null) {
                bits = new byte[store.blockSize() - DiskFormat.HEADER];
            } else {
                long at = DiskFormat.extentPhysical(extent);
                bits = DiskFormat.decodeBitmap(store.deviceName(), at, store.readBlock(at), store.volumeId(), p);
            }
            pages[p] = bits;
        }
        return bits;
    }

    boolean isSet(long block) throws IOException {
        int bit = (int) (block % bitsPerPage);
        return (page(block)[bit >>> 3] & (1 << (bit & 7))) != 0;
    }

    /**
     * Sets or clears the bits of {@code [start, start + count)}; each must have the other
     * value before (test-and-set), else the image is corrupt: replay relies on this.
     */
    void change(long start, long count, boolean set, String why) throws IOException {
        if (start < 2 || count < 1 || start + count > blockCount) {
            throw new CorruptFilesystemException(store.deviceName(), start, why + ": blocks " + start + "+" + count
                    + " outside the volume");
        }
        for (long b = start; b < start + count; b++) {
            byte[] bits = page(b);
            int bit = (int) (b % bitsPerPage);
            boolean was = (bits[bit >>> 3] & (1 << (bit & 7))) != 0;
            if (was == set) {
                throw new CorruptFilesystemException(store.deviceName(), b, why + ": "
                        + (set ? "allocating a block already in use" : "freeing a block already free"));
            }
            bits[bit >>> 3] ^= (byte) (1 << (bit & 7));
            dirtySinceRollup.set((int) (b / bitsPerPage));
        }
        free += set ? -count : count;
    }

    /**
     * Allocates up to {@code want} contiguous blocks, next-fit from the last allocation,
     * and reports them as BALLOC unless {@code recorder} is null (log blocks: the chain is
     * their record). Returns {start, count}.
     */
    long[] allocate(long want, Recorder recorder) throws IOException {
        if (free <= 0) {
            throw new IllegalStateException(store.deviceName() + ": out of blocks in a commit; "
                    + "space accounting let an operation through that it should have refused");
        }
        long start = nextClear(cursor);
        if (start < 0) {
            start = nextClear(2);
        }
        long n = 1;
        while (n < want && start + n < blockCount && !isSet(start + n)) {
            n++;
        }
        change(start, n, true, "allocation");
        cursor = start + n >= blockCount ? 2 : start + n;
        if (recorder != null) {
            recorder.record(DiskFormat.BALLOC, start, n);
        }
        return new long[] {start, n};
    }

    private long nextClear(long from) throws IOException {
        long b = from;
        while (b < blockCount) {
            byte[] bits = page(b);
            int bit = (int) (b % bitsPerPage);
            long pageStart = b - bit;
            int limit = (int) Math.min(bitsPerPage, blockCount - pageStart);
            while (bit < limit) {
                if ((bit & 7) == 0 && bits[bit >>> 3] == (byte) 0xFF) {
                    bit += 8;
                    continue;
                }
                if ((bits[bit >>> 3] & (1 << (bit & 7))) == 0) {
                    return pageStart + bit;
                }
                bit++;
            }
            b = pageStart + bitsPerPage;
        }
        return -1;
    }

    /** Releases blocks after the current commit (BFREE is logged with it). */
    void freeAfterCommit(long start, long count, Recorder recorder) {
        freeAfterCommit.add(new long[] {start, count});
        recorder.record(DiskFormat.BFREE, start, count);
    }

    long pendingFreeCount() {
        long n = 0;
        for (long[] f : freeAfterCommit) {
            n += f[1];
        }
        return n;
    }

    /** Applies the delayed frees once the commit that made them is durable. */
    void applyFrees() throws IOException {
        for (long[] f : freeAfterCommit) {
            change(f[0], f[1], false, "delayed free");
        }
        freeAfterCommit.clear();
    }

    /** Pages changed since the last rollup. */
    List<Integer> dirtyPageList() {
        List<Integer> out = new ArrayList<>();
        for (int p = dirtySinceRollup.nextSetBit(0); p >= 0; p = dirtySinceRollup.nextSetBit(p + 1)) {
            out.add(p);
        }
        return out;
    }

    /** Marks the page holding {@code block} as changed, so the next rollup writes it. */
    void touch(long block) {
        dirtySinceRollup.set((int) (block / bitsPerPage));
    }

    int bitsPerPage() {
        return bitsPerPage;
    }

    /** A copy of one page's bits. */
    byte[] copyOfPage(int page) throws IOException {
        return page((long) page * bitsPerPage).clone();
    }

    void forgetDirtyPages() {
        dirtySinceRollup.clear();
    }

    /** Releases blocks after the current commit without a log record (a clean rollup logs nothing). */
    void freeAfterCommitUnlogged(long start, long count) {
        freeAfterCommit.add(new long[] {start, count});
    }

    /** A copy of the pages changed since the last rollup, and forget that they were: the rollup writes the copy. */
    java.util.Map<Integer, byte[]> forkDirtyPages() throws IOException {
        java.util.Map<Integer, byte[]> copy = new java.util.TreeMap<>();
        for (int p = dirtySinceRollup.nextSetBit(0); p >= 0; p = dirtySinceRollup.nextSetBit(p + 1)) {
            copy.put(p, page((long) p * bitsPerPage).clone());
        }
        dirtySinceRollup.clear();
        return copy;
    }

    void noteNewBitmapRoot(BTree tree) {
        bitmapTree = tree;
    }

    /**
     * The bits as a {@link BlockUsage} (F15): every block the committed image needs.
     * Pages never loaded and not in the bitmap file are holes (all free) and are skipped.
     */
    BlockUsage usage() throws IOException {
        long[] words = new long[(int) ((blockCount + 63) / 64)];
        words[0] |= 3L;
        for (int p = 0; p < pages.length; p++) {
            byte[] bits = pages[p];
            if (bits == null) {
                if (bitmapTree.get(p) == null) {
                    continue;
                }
                bits = page((long) p * bitsPerPage);
            }
            long base = (long) p * bitsPerPage;
            for (int i = 0; i < bits.length; i++) {
                int v = bits[i] & 0xFF;
                for (int k = 0; v != 0 && k < 8; k++) {
                    long b = base + i * 8L + k;
                    if ((v & (1 << k)) != 0 && b < blockCount) {
                        words[(int) (b >>> 6)] |= 1L << b;
                    }
                }
            }
        }
        return BlockUsage.of(store.blockSize(), blockCount, words);
    }
}
