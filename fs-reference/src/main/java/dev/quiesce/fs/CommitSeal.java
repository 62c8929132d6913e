package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogBlock;
import dev.quiesce.fs.DiskFormat.LogRecord;
import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The single-flush commit. A small commit (an fsync of a few blocks) would otherwise pay
 * two device flushes: one so its blocks are durable before the superblock names them,
 * one for the superblock itself. Instead its superblock is <em>sealed</em>: it carries
 * the number of blocks the commit wrote and a CRC32C over their contents, and all of
 * them, superblock included, go out before one flush. A crash may persist any subset of
 * those writes; mount then re-reads the sealed blocks ({@link #verify}) and takes the
 * superblock only if every one of them is there, else it falls back to the other copy,
 * which holds the previous commit - flushed before this one started, and none of whose
 * blocks this commit may overwrite (delayed freeing).
 *
 * <p>Which blocks are sealed is derived from the log, so mount finds them without a list:
 * this commit's log blocks (from the head back while their commit number is the
 * superblock's) and every block of their BALLOC and ROLLUP_BLOCKS records (a rollup names
 * the index nodes it wrote that way, their allocations being in the bitmap it wrote),
 * once each, in ascending order. The committer seals only when the blocks it actually
 * wrote are exactly that set ({@link Writes#seal}); a freeze's clean rollup (no log) or a
 * commit of more than {@value #MAX_SEALED_BLOCKS} blocks uses two flushes. A CRC32C collision (one in 2^32 of torn commits) would go
 * unnoticed, as with ext4's journal checksums; everything else is caught.
 */
final class CommitSeal {
    /** A commit writing more blocks than this flushes twice: mount would have to re-read them all. */
    static final int MAX_SEALED_BLOCKS = 256;

    private CommitSeal() {
    }

    /** The blocks one commit wrote, with their contents, while it stays small enough to seal. */
    static final class Writes {
        private final int blockSize;
        private final TreeMap<Long, ByteBuffer> extents = new TreeMap<>();
        private int blocks;
        private boolean unsealable;

        Writes(int blockSize) {
            this.blockSize = blockSize;
        }

        /** Notes a write of {@code data} at {@code block} (call before the device consumes the buffer). */
        void add(long block, ByteBuffer data) {
            if (unsealable) {
                return;
            }
            int n = data.remaining() / blockSize;
            blocks += n;
            if (blocks > MAX_SEALED_BLOCKS || extents.put(block, data.duplicate()) != null) {
                unsealable = true;
                extents.clear();
            }
        }

        /**
         * The blocks written so far that no BALLOC of {@code records} names, as {start,
         * count} runs: what a rollup wrote under allocations its bitmap already holds, to be
         * named by ROLLUP_BLOCKS records. Empty once the commit is too large to seal.
         */
        List<long[]> unnamed(List<LogRecord> records) {
            java.util.TreeSet<Long> named = new java.util.TreeSet<>();
            for (LogRecord r : records) {
                if (r.type() == DiskFormat.BALLOC && r.b() <= MAX_SEALED_BLOCKS) {
                    for (long b = r.a(); b < r.a() + r.b(); b++) {
                        named.add(b);
                    }
                }
            }
            List<long[]> out = new java.util.ArrayList<>();
            if (unsealable) {
                return out;
            }
            for (Map.Entry<Long, ByteBuffer> e : extents.entrySet()) {
                long n = e.getValue().remaining() / blockSize;
                for (long b = e.getKey(); b < e.getKey() + n; b++) {
                    if (named.contains(b)) {
                        continue;
                    }
                    long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
                    if (last != null && last[0] + last[1] == b) {
                        last[1]++;
                    } else {
                        out.add(new long[] {b, 1});
                    }
                }
            }
            return out;
        }

        /** This commit cannot be sealed (a clean rollup leaves no log to find its blocks from). */
        void unsealable() {
            unsealable = true;
            extents.clear();
        }

        /**
         * The seal {count, crc} if the blocks written are exactly the set mount derives from
         * {@code logBlocks} and {@code records}, else null (the commit then flushes twice).
         */
        int[] seal(List<Long> logBlocks, List<LogRecord> records) {
            if (unsealable || logBlocks.isEmpty()) {
                return null;
            }
            TreeMap<Long, Long> named = new TreeMap<>();
            for (long b : logBlocks) {
                named.put(b, 1L);
            }
            for (LogRecord r : records) {
                if (names(r)) {
                    named.merge(r.a(), r.b(), Long::sum);
                }
            }
            long namedBlocks = 0;
            for (long c : named.values()) {
                namedBlocks += c;
            }
            if (namedBlocks != blocks || !sameBlocks(named)) {
                return null;
            }
            CRC32C crc = new CRC32C();
            for (ByteBuffer data : extents.values()) {
                crc.update(data.duplicate());
            }
            return new int[] {blocks, (int) crc.getValue()};
        }

        /** True if the written extents cover exactly the blocks of {@code named}. */
        private boolean sameBlocks(TreeMap<Long, Long> named) {
            TreeMap<Long, Long> written = new TreeMap<>();
            for (Map.Entry<Long, ByteBuffer> e : extents.entrySet()) {
                written.put(e.getKey(), (long) (e.getValue().remaining() / blockSize));
            }
            return coalesce(written).equals(coalesce(named));
        }

        private static TreeMap<Long, Long> coalesce(TreeMap<Long, Long> extents) {
            TreeMap<Long, Long> out = new TreeMap<>();
            long start = -1;
            long end = -1;
            for (Map.Entry<Long, Long> e : extents.entrySet()) {
                if (e.getKey() < end) {
                    return new TreeMap<>(Map.of(-1L, -1L));
                }
                if (e.getKey() == end) {
                    end += e.getValue();
                } else {
                    if (start >= 0) {
                        out.put(start, end - start);
                    }
                    start = e.getKey();
                    end = start + e.getValue();
                }
            }
            if (start >= 0) {
                out.put(start, end - start);
            }
            return out;
        }
    }

    /**
     * Checks that every block sealed by {@code s} is on {@code device} as the commit wrote
     * it; throws {@link CorruptFilesystemException} naming what is missing otherwise. A
     * superblock without a seal passes.
     */
    static void verify(BlockDevice device, Superblock s, long superBlock) throws IOException {
        if (s.sealedBlocks() == 0) {
            return;
        }
        String dev = device.name();
        TreeMap<Long, Long> named = new TreeMap<>();
        long total = 0;
        long at = s.logHead();
        for (int i = 0; i < s.logCount() && at != 0; i++) {
            if (at < 2 || at >= s.blockCount()) {
                throw torn(dev, superBlock, s, "log block " + at + " outside the volume");
            }
            ByteBuffer buf = ByteBuffer.allocate(device.blockSize());
            device.read(at, buf);
            LogBlock lb;
            try {
                lb = DiskFormat.decodeLog(dev, at, buf.array(), s.volumeId(), s.blockCount());
            } catch (CorruptFilesystemException e) {
                throw torn(dev, superBlock, s, "its log block " + at + " is not there (" + e.getMessage() + ")");
            }
            if (lb.seq() != s.seq()) {
                break;
            }
            named.put(at, 1L);
            total++;
            for (LogRecord r : lb.records()) {
                if (names(r)) {
                    if (r.a() < 2 || r.b() < 1 || r.a() + r.b() > s.blockCount() || named.containsKey(r.a())) {
                        throw torn(dev, superBlock, s, "log block " + at + " holds " + r + ", not a sealed extent");
                    }
                    named.put(r.a(), r.b());
                    total += r.b();
                }
                if (total > s.sealedBlocks()) {
                    throw torn(dev, superBlock, s, "its log names more than the " + s.sealedBlocks()
                            + " sealed blocks");
                }
            }
            at = lb.previous();
        }
        if (total != s.sealedBlocks()) {
            throw torn(dev, superBlock, s, "its log names " + total + " blocks, the seal " + s.sealedBlocks());
        }
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(device.blockSize());
        for (Map.Entry<Long, Long> e : named.entrySet()) {
            for (long b = e.getKey(); b < e.getKey() + e.getValue(); b++) {
                buf.clear();
                device.read(b, buf);
                buf.flip();
                crc.update(buf);
            }
        }
        if ((int) crc.getValue() != s.sealCrc()) {
            throw torn(dev, superBlock, s, "the contents of its " + total + " blocks do not match the seal");
        }
    }

    /** Records naming blocks the commit wrote: BALLOC, and a rollup's ROLLUP_BLOCKS. */
    private static boolean names(LogRecord r) {
        return r.type() == DiskFormat.BALLOC || r.type() == DiskFormat.ROLLUP_BLOCKS;
    }

    private static CorruptFilesystemException torn(String dev, long superBlock, Superblock s, String what) {
        return new CorruptFilesystemException(dev, superBlock, "superblock of commit " + s.seq()
                + " is sealed but its commit did not reach the device: " + what);
    }
}
