package dev.quiesce.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.zip.CRC32C;

/**
 * The Dusk on-disk format: every bit of packing and every validity check of a block read
 * from the device lives here. All integers are big-endian. FORMAT.md beside this class
 * says the same, field by field. Block numbers count volume blocks; a volume formatted
 * with a block larger than its device's sees the device through
 * {@link GroupedBlockDevice} (volume block b = device blocks b*k .. b*k+k-1).
 *
 * <h2>Common header (every block except data blocks)</h2>
 * <pre>
 *  0 u32 magic      'DSUP' superblock, 'DNOD' tree node, 'DLOG' log block, 'DBMP' bitmap block
 *  4 u32 crc32c     CRC32C of the whole block with these 4 bytes taken as zero
 *  8 u64 volumeId   random number chosen at format; a block of another volume is rejected
 * 16 u64 seq        the commit (delta) that wrote the block
 * 24 ...            type-specific, up to 32 bytes of header in all
 * </pre>
 *
 * <h2>Superblock (blocks 0 and 1; commit {@code seq} goes to block {@code seq & 1})</h2>
 * <pre>
 * 24 u32 version (2)        28 u32 blockSize          32 u64 blockCount
 * 40 u64 itable root        48 u64 itable root seq     (both tables as the last rollup wrote them)
 * 56 u64 orphan root        64 u64 orphan root seq
 * 72 u64 bitmap root        80 u64 bitmap root seq
 * 88 u64 log head (newest log block, 0 none)          96 u32 log block count
 * 100 u32 flags: bit 0 = the last rollup was clean (left no log, so no UNIFY opens the chain)
 *               bit 1 = sealed single-flush commit (fields 144 and 148 are set)
 * 104 u64 rollup number     112 u64 next inode number  120 u64 inodes in use
 * 128 u64 free blocks after this commit               136 u64 free blocks in the bitmap file
 * 144 u32 sealed blocks (flag bit 1 only, else 0)     148 u32 seal CRC32C (flag bit 1 only, else 0)
 * </pre>
 * A sealed superblock was written in the same flush epoch as the rest of its commit, so
 * it counts only if the commit's blocks are on the device: the sealed blocks are this
 * commit's log blocks (from the log head back while their sequence number is the
 * superblock's) and every block of their BALLOC records, taken once each in ascending
 * block order; their number must equal field 144 and the CRC32C of their contents, block
 * after block, field 148. Otherwise the copy is skipped like a torn one and the other
 * copy (the previous commit, flushed before this one began) is used. See
 * {@link CommitSeal}.
 *
 * <h2>Tree node</h2>
 * <pre>
 * 24 u8 level (0 = leaf)  25 u8 tree kind  26 u16 entry count  28 u32 zero
 * 32 leaf entries:  u64 key, u16 value length, value bytes (repeated)
 *    index entries: u64 key, u64 child block, u64 child seq (repeated); the first
 *    child covers every key below the second key
 * </pre>
 * Tree kinds and their leaf values: 1 inode table (key inode number, value inode record),
 * 2 directory (key name hash, value bucket of entries), 3 file extents (key logical block,
 * value extent), 4 orphans (key inode number, empty value), 5 bitmap file extents.
 *
 * <h2>Log block</h2>
 * <pre>
 * 24 u64 previous log block (0 = first of the chain)  32 u32 bytes of records  36 u32 record count
 * 40 records: u8 type then fixed fields (DIRENT ends with its name; type 3 is unused):
 *    1 BALLOC u64 block u32 count   2 BFREE u64 block u32 count   13 ROLLUP_BLOCKS u64 block u32 count
 *    4 ORPHAN_ADD u64 inode         5 ORPHAN_DEL u64 inode        6 UNIFY u64 rollup number
 *    7 FREEBLOCKS u64 count         9 INODE_FREE u64 inode        10 TRUNCATE u64 inode u64 first block
 *    8 INODE u64 inode u8 type u16 mode u32 links u64 size u64 mtime u64 ctime u64 parent u64 entries
 *   11 EXTENT_MAP u64 inode u64 logical u64 physical u32 count
 *   12 DIRENT u64 dir u64 inode (0 = removed) u8 type u8 name length, name (UTF-8)
 * </pre>
 * Records 4, 5 and 8-12 log the index: between rollups no index node is written, and
 * replay applies them to the trees the last rollup wrote ({@link Index}). ROLLUP_BLOCKS
 * names nodes a rollup wrote, for the seal ({@link CommitSeal}).
 *
 * <h2>Bitmap block</h2>
 * <pre>
 * 24 u64 page index   32 bits: bit (b % 8) of byte (b / 8) is block pageIndex * bitsPerPage + b
 * </pre>
 *
 * <h2>Values</h2>
 * Inode record (64 bytes): u8 type, u8 zero, u16 mode, u32 links, u64 size, u64 mtime,
 * u64 ctime, u64 parent, u64 tree root, u64 tree root seq, u64 entries.
 * Extent (12 bytes): u64 physical block, u32 block count.
 * Directory bucket: repeated {u8 name length, name (UTF-8), u64 inode, u8 type}.
 */
final class DiskFormat {
    static final int HEADER = 32;
    static final int LOG_HEADER = 40;
    static final int INDEX_ENTRY = 24;
    static final int INODE_RECORD = 64;
    static final int EXTENT = 12;
    static final int VERSION = 2;
    static final int MAX_NAME = 255;

    static final int MAGIC_SUPER = 0x44535550;
    static final int MAGIC_NODE = 0x444E4F44;
    static final int MAGIC_LOG = 0x444C4F47;
    static final int MAGIC_BITMAP = 0x44424D50;

    static final int KIND_ITABLE = 1;
    static final int KIND_DIR = 2;
    static final int KIND_EXTENTS = 3;
    static final int KIND_ORPHANS = 4;
    static final int KIND_BITMAP = 5;

    static final int FLAG_CLEAN_ROLLUP = 1;
    static final int FLAG_SEALED = 2;

    static final int BALLOC = 1;
    static final int BFREE = 2;
    static final int ORPHAN_ADD = 4;
    static final int ORPHAN_DEL = 5;
    static final int UNIFY = 6;
    static final int FREEBLOCKS = 7;
    static final int INODE = 8;
    static final int INODE_FREE = 9;
    static final int TRUNCATE = 10;
    static final int EXTENT_MAP = 11;
    static final int DIRENT = 12;
    static final int ROLLUP_BLOCKS = 13;

    /** Fixed bytes of a DIRENT record before its name. */
    private static final int DIRENT_FIXED = 19;
    private static final int INODE_RECORD_SIZE = 56;

    private DiskFormat() {
    }

    /**
     * One log record. Numbers by type: BALLOC/BFREE/ROLLUP_BLOCKS {@code a} block, {@code b} count;
     * ORPHAN_*, INODE_FREE {@code a} inode; UNIFY {@code a} rollup number; FREEBLOCKS
     * {@code a} count; INODE {@code a} inode and {@code attrs}; TRUNCATE {@code a} inode,
     * {@code b} first block unmapped; EXTENT_MAP {@code a} inode, {@code b} logical block,
     * {@code c} physical block, {@code d} count; DIRENT {@code a} directory, {@code b}
     * inode (0 = name removed), {@code c} file type code, {@code name}. Unused fields 0/null.
     */
    record LogRecord(int type, long a, long b, long c, long d, String name, Attrs attrs) {
        LogRecord(int type, long a, long b) {
            this(type, a, b, 0, 0, null, null);
        }

        static LogRecord inode(long inode, Attrs attrs) {
            return new LogRecord(INODE, inode, 0, 0, 0, null, attrs);
        }

        static LogRecord extent(long inode, long logical, long physical, long count) {
            return new LogRecord(EXTENT_MAP, inode, logical, physical, count, null, null);
        }

        static LogRecord dirent(long dir, String name, long inode, FileType type) {
            return new LogRecord(DIRENT, dir, inode, type.code(), 0, name, null);
        }

        @Override
        public String toString() {
            return recordName(type) + "(" + a + (type == INODE ? ", " + attrs : ", " + b)
                    + (type == EXTENT_MAP ? " -> " + c + "+" + d : "") + (name != null ? ", '" + name + "'" : "") + ")";
        }
    }

    /** A decoded log block. */
    record LogBlock(long block, long seq, long previous, List<LogRecord> records) { }

    /** A decoded inode record. */
    record InodeRecord(Attrs attrs, TreeRef root) { }

    /**
     * The block size recorded in the image behind {@code ch}, or empty if neither
     * superblock copy starts like a Dusk superblock (magic at offset 0, block size at
     * offset 28): copy 0 at byte 0, or, when copy 0 is torn, copy 1 at block 1 for each
     * possible block size. Only a recogniser: mount checks everything else.
     */
    static OptionalInt probeBlockSize(java.nio.channels.FileChannel ch) throws java.io.IOException {
        OptionalInt first = probeAt(ch, 0, 0);
        if (first.isPresent()) {
            return first;
        }
        for (int bs = FormatOptions.MIN_BLOCK_SIZE; bs <= FormatOptions.MAX_BLOCK_SIZE; bs <<= 1) {
            OptionalInt second = probeAt(ch, bs, bs);
            if (second.isPresent()) {
                return second;
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt probeAt(java.nio.channels.FileChannel ch, long offset, int expected)
            throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) <= 0) {
                return OptionalInt.empty();
            }
        }
        int bs = b.getInt(28);
        boolean valid = b.getInt(0) == MAGIC_SUPER && bs >= FormatOptions.MIN_BLOCK_SIZE && bs <= FormatOptions.MAX_BLOCK_SIZE
                && Integer.bitCount(bs) == 1;
        return valid && (expected == 0 || expected == bs) ? OptionalInt.of(bs) : OptionalInt.empty();
    }

    /** One directory entry in a bucket. */
    record DirEntry(String name, long inode, FileType type) { }

    private static final String[] RECORD_NAMES = {null, "BALLOC", "BFREE", null, "ORPHAN_ADD", "ORPHAN_DEL", "UNIFY",
        "FREEBLOCKS", "INODE", "INODE_FREE", "TRUNCATE", "EXTENT_MAP", "DIRENT", "ROLLUP_BLOCKS"};

    static String recordName(int type) {
        return type > 0 && type < RECORD_NAMES.length && RECORD_NAMES[type] != null ? RECORD_NAMES[type]
                : "UNKNOWN#" + type;
    }

    /** Bytes of a record of {@code type} with fixed fields (type byte included), or -1 if unknown. */
    static int recordSize(int type) {
        return switch (type) {
            case BALLOC, BFREE, ROLLUP_BLOCKS -> 13;
            case ORPHAN_ADD, ORPHAN_DEL, UNIFY, FREEBLOCKS, INODE_FREE -> 9;
            case TRUNCATE -> 17;
            case EXTENT_MAP -> 29;
            case INODE -> INODE_RECORD_SIZE;
            case DIRENT -> DIRENT_FIXED;
            default -> -1;
        };
    }

    static int recordSize(LogRecord r) {
        return r.type() == DIRENT ? DIRENT_FIXED + utf8(r.name()).length : recordSize(r.type());
    }

    static int leafEntrySize(byte[] value) {
        return 10 + value.length;
    }

    static int bitsPerPage(int blockSize) {
        return (blockSize - HEADER) * 8;
    }

    // ---- checksums ----

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, 4);
        c.update(new byte[4], 0, 4);
        c.update(b, 8, b.length - 8);
        return (int) c.getValue();
    }

    private static void seal(ByteBuffer b, int magic, long volumeId, long seq) {
        b.putInt(0, magic);
        b.putLong(8, volumeId);
        b.putLong(16, seq);
        b.putInt(4, crc(b.array()));
    }

    private static ByteBuffer open(String dev, long block, byte[] b, int magic, String what, long volumeId)
            throws CorruptFilesystemException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        int m = buf.getInt(0);
        if (m != magic) {
            throw new CorruptFilesystemException(dev, block, what + ": bad magic 0x" + Integer.toHexString(m)
                    + ", expected 0x" + Integer.toHexString(magic));
        }
        int stored = buf.getInt(4);
        int actual = crc(b);
        if (stored != actual) {
            throw new CorruptFilesystemException(dev, block, what + ": checksum mismatch (stored 0x"
                    + Integer.toHexString(stored) + ", computed 0x" + Integer.toHexString(actual) + ")");
        }
        if (volumeId != 0 && buf.getLong(8) != volumeId) {
            throw new CorruptFilesystemException(dev, block, what + ": belongs to volume "
                    + Long.toHexString(buf.getLong(8)) + ", not " + Long.toHexString(volumeId));
        }
        return buf;
    }

    // ---- superblock ----

    static byte[] encodeSuperblock(Superblock s) {
        ByteBuffer b = ByteBuffer.allocate(s.blockSize());
        b.putInt(24, VERSION).putInt(28, s.blockSize()).putLong(32, s.blockCount());
        b.putLong(40, s.itable().block()).putLong(48, s.itable().seq());
        b.putLong(56, s.orphans().block()).putLong(64, s.orphans().seq());
        b.putLong(72, s.bitmap().block()).putLong(80, s.bitmap().seq());
        b.putLong(88, s.logHead()).putInt(96, s.logCount())
                .putInt(100, (s.cleanRollup() ? FLAG_CLEAN_ROLLUP : 0) | (s.sealedBlocks() > 0 ? FLAG_SEALED : 0));
        b.putLong(104, s.rollup()).putLong(112, s.nextInode()).putLong(120, s.inodeCount());
        b.putLong(128, s.freeBlocks()).putLong(136, s.freeAtRollup());
        if (s.sealedBlocks() > 0) {
            b.putInt(144, s.sealedBlocks()).putInt(148, s.sealCrc());
        }
        seal(b, MAGIC_SUPER, s.volumeId(), s.seq());
        return b.array();
    }

    static Superblock decodeSuperblock(String dev, long block, byte[] data, long deviceBlocks)
            throws CorruptFilesystemException {
        ByteBuffer b = open(dev, block, data, MAGIC_SUPER, "superblock", 0);
        int version = b.getInt(24);
        if (version != VERSION) {
            throw new CorruptFilesystemException(dev, block, "superblock: unsupported format version " + version);
        }
        int blockSize = b.getInt(28);
        if (blockSize != data.length) {
            throw new CorruptFilesystemException(dev, block, "superblock: block size " + blockSize
                    + " differs from the device's " + data.length);
        }
        long blockCount = b.getLong(32);
        if (blockCount < Dusk.MIN_BLOCKS || blockCount > deviceBlocks) {
            throw new CorruptFilesystemException(dev, block, "superblock: volume of " + blockCount
                    + " blocks does not fit the device's " + deviceBlocks);
        }
        Superblock s = new Superblock(b.getLong(8), b.getLong(16), blockSize, blockCount,
                new TreeRef(b.getLong(40), b.getLong(48)), new TreeRef(b.getLong(56), b.getLong(64)),
                new TreeRef(b.getLong(72), b.getLong(80)), b.getLong(88), b.getInt(96), b.getLong(104),
                b.getLong(112), b.getLong(120), b.getLong(128), b.getLong(136), (b.getInt(100) & FLAG_CLEAN_ROLLUP) != 0,
                (b.getInt(100) & FLAG_SEALED) != 0 ? b.getInt(144) : 0, (b.getInt(100) & FLAG_SEALED) != 0 ? b.getInt(148) : 0);
        if ((b.getInt(100) & ~(FLAG_CLEAN_ROLLUP | FLAG_SEALED)) != 0) {
            throw new CorruptFilesystemException(dev, block, "superblock: unknown flags 0x"
                    + Integer.toHexString(b.getInt(100)));
        }
        for (long p : new long[] {s.itable().block(), s.orphans().block(), s.bitmap().block(), s.logHead()}) {
            if (p != 0 && (p < 2 || p >= blockCount)) {
                throw new CorruptFilesystemException(dev, block, "superblock: pointer to block " + p
                        + " outside 2.." + (blockCount - 1));
            }
        }
        if (s.bitmap().isEmpty() || s.logCount() < 0 || (s.logCount() == 0) != (s.logHead() == 0)
                || s.freeBlocks() < 0 || s.freeBlocks() > blockCount || s.nextInode() < 2
                || ((b.getInt(100) & FLAG_SEALED) != 0 && (s.sealedBlocks() < 1 || s.logCount() == 0))) {
            throw new CorruptFilesystemException(dev, block, "superblock: inconsistent fields " + s);
        }
        return s;
    }

    // ---- tree nodes ----

    static byte[] encodeNode(Node n, int kind, long volumeId, long seq, int blockSize) {
        if (n.bytes > blockSize) {
            throw new IllegalStateException("node of " + n.bytes + " bytes does not fit a block of " + blockSize);
        }
        ByteBuffer b = ByteBuffer.allocate(blockSize);
        b.put(24, (byte) n.level).put(25, (byte) kind).putShort(26, (short) n.count);
        b.position(HEADER);
        for (int i = 0; i < n.count; i++) {
            b.putLong(n.keys[i]);
            if (n.level == 0) {
                if (kind == KIND_ITABLE && n.values[i].length == INODE_RECORD
                        && NodeStore.isVirtual(ByteBuffer.wrap(n.values[i]).getLong(40))) {
                    throw new IllegalStateException("inode " + n.keys[i] + " names an in-memory tree; a rollup"
                            + " must write its tree before the inode table");
                }
                b.putShort((short) n.values[i].length).put(n.values[i]);
            } else {
                if (NodeStore.isVirtual(n.childBlocks[i])) {
                    throw new IllegalStateException("a node written to disk names an in-memory child");
                }
                b.putLong(n.childBlocks[i]).putLong(n.childSeqs[i]);
            }
        }
        seal(b, MAGIC_NODE, volumeId, seq);
        return b.array();
    }

    /**
     * Decodes a node and checks it against what its parent says: seq, level (-1 for a
     * root, whose level is unknown) and tree kind; keys strictly increasing and inside
     * {@code [low, high)}; children inside the volume.
     */
    static Node decodeNode(String dev, long block, byte[] data, long volumeId, long expectedSeq,
                           int expectedLevel, int kind, long blockCount) throws CorruptFilesystemException {
        ByteBuffer b = open(dev, block, data, MAGIC_NODE, "tree node", volumeId);
        long seq = b.getLong(16);
        if (seq != expectedSeq) {
            throw new CorruptFilesystemException(dev, block, "tree node: written by commit " + seq
                    + " but its parent expects commit " + expectedSeq + " (stale or misdirected write)");
        }
        int level = b.get(24) & 0xFF;
        int k = b.get(25) & 0xFF;
        int count = b.getShort(26) & 0xFFFF;
        if (k != kind) {
            throw new CorruptFilesystemException(dev, block, "tree node: of kind " + k + ", expected " + kind);
        }
        if (expectedLevel >= 0 ? level != expectedLevel : level > 32) {
            throw new CorruptFilesystemException(dev, block, "tree node: level " + level
                    + (expectedLevel >= 0 ? ", expected " + expectedLevel : " is impossible"));
        }
        Node n = level == 0 ? Node.leaf() : Node.index(level);
        b.position(HEADER);
        long previous = -1;
        for (int i = 0; i < count; i++) {
            if (b.remaining() < (level == 0 ? 10 : INDEX_ENTRY)) {
                throw new CorruptFilesystemException(dev, block, "tree node: entry " + i + " of " + count
                        + " runs past the end of the block");
            }
            long key = b.getLong();
            if (key < 0 || key <= previous) {
                throw new CorruptFilesystemException(dev, block, "tree node: key " + key + " at entry " + i
                        + " is not above the previous key " + previous);
            }
            previous = key;
            if (level == 0) {
                int len = b.getShort() & 0xFFFF;
                if (len > b.remaining()) {
                    throw new CorruptFilesystemException(dev, block, "tree node: value of entry " + i
                            + " has length " + len + " past the end of the block");
                }
                byte[] v = new byte[len];
                b.get(v);
                n.insertLeaf(i, key, v);
            } else {
                long child = b.getLong();
                long childSeq = b.getLong();
                if (child < 2 || child >= blockCount) {
                    throw new CorruptFilesystemException(dev, block, "tree node: child pointer " + child
                            + " at entry " + i + " outside the volume");
                }
                n.ensureCapacity(i + 1);
                n.keys[i] = key;
                n.childBlocks[i] = child;
                n.childSeqs[i] = childSeq;
                n.count++;
                n.bytes += INDEX_ENTRY;
            }
        }
        if (count == 0 && level > 0) {
            throw new CorruptFilesystemException(dev, block, "tree node: index node without children");
        }
        n.block = block;
        n.seq = seq;
        return n;
    }

    // ---- log blocks ----

    /** How many whole records of {@code records}, from {@code from}, fit one log block. */
    static int recordsFitting(List<LogRecord> records, int from, int blockSize) {
        int used = LOG_HEADER;
        int i = from;
        while (i < records.size() && used + recordSize(records.get(i)) <= blockSize) {
            used += recordSize(records.get(i));
            i++;
        }
        return i - from;
    }

    static byte[] encodeLog(List<LogRecord> records, long previous, long volumeId, long seq, int blockSize) {
        ByteBuffer b = ByteBuffer.allocate(blockSize);
        b.putLong(24, previous);
        b.position(LOG_HEADER);
        for (LogRecord r : records) {
            b.put((byte) r.type()).putLong(r.a());
            switch (r.type()) {
                case BALLOC, BFREE, ROLLUP_BLOCKS -> b.putInt((int) r.b());
                case TRUNCATE -> b.putLong(r.b());
                case EXTENT_MAP -> b.putLong(r.b()).putLong(r.c()).putInt((int) r.d());
                case INODE -> {
                    Attrs x = r.attrs();
                    b.put((byte) x.type().code()).putShort((short) x.mode()).putInt(x.nlink()).putLong(x.size())
                            .putLong(x.mtime()).putLong(x.ctime()).putLong(x.parent()).putLong(x.entries());
                }
                case DIRENT -> {
                    byte[] name = utf8(r.name());
                    b.putLong(r.b()).put((byte) r.c()).put((byte) name.length).put(name);
                }
                default -> {
                }
            }
        }
        b.putInt(32, b.position() - LOG_HEADER).putInt(36, records.size());
        seal(b, MAGIC_LOG, volumeId, seq);
        return b.array();
    }

    static LogBlock decodeLog(String dev, long block, byte[] data, long volumeId, long blockCount)
            throws CorruptFilesystemException {
        ByteBuffer b = open(dev, block, data, MAGIC_LOG, "log block", volumeId);
        long previous = b.getLong(24);
        int used = b.getInt(32);
        int count = b.getInt(36);
        if (used < 0 || used > data.length - LOG_HEADER || count < 0 || count > used) {
            throw new CorruptFilesystemException(dev, block, "log block: " + count + " records in "
                    + used + " bytes do not fit the block");
        }
        if (previous != 0 && (previous < 2 || previous >= blockCount)) {
            throw new CorruptFilesystemException(dev, block, "log block: previous block " + previous
                    + " outside the volume");
        }
        List<LogRecord> records = new ArrayList<>(count);
        b.position(LOG_HEADER);
        int end = LOG_HEADER + used;
        for (int i = 0; i < count; i++) {
            if (b.position() >= end) {
                throw new CorruptFilesystemException(dev, block, "log block: record " + i + " past the used bytes");
            }
            int type = b.get() & 0xFF;
            int size = recordSize(type);
            if (size < 0) {
                throw new CorruptFilesystemException(dev, block, "log block: unknown record type " + type
                        + " at record " + i);
            }
            if (b.position() - 1 + size > end) {
                throw new CorruptFilesystemException(dev, block, "log block: record " + i + " runs past the used bytes");
            }
            records.add(decodeRecord(dev, block, i, type, b, end));
        }
        if (b.position() != end) {
            throw new CorruptFilesystemException(dev, block, "log block: " + (end - b.position())
                    + " bytes after the last record");
        }
        return new LogBlock(block, b.getLong(16), previous, records);
    }

    private static LogRecord decodeRecord(String dev, long block, int i, int type, ByteBuffer b, int end)
            throws CorruptFilesystemException {
        long a = b.getLong();
        switch (type) {
            case BALLOC, BFREE, ROLLUP_BLOCKS:
                return new LogRecord(type, a, b.getInt() & 0xFFFFFFFFL);
            case TRUNCATE:
                return new LogRecord(type, a, b.getLong());
            case EXTENT_MAP: {
                long logical = b.getLong();
                long physical = b.getLong();
                long n = b.getInt() & 0xFFFFFFFFL;
                if (logical < 0 || n == 0 || physical < 2 || logical + n < 0) {
                    throw new CorruptFilesystemException(dev, block, "log block: record " + i + " maps an invalid"
                            + " extent " + logical + " -> " + physical + "+" + n);
                }
                return LogRecord.extent(a, logical, physical, n);
            }
            case INODE: {
                FileType t = FileType.ofCode(b.get() & 0xFF);
                int mode = b.getShort() & 0xFFFF;
                Attrs x = new Attrs(t, mode, b.getInt(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                        b.getLong());
                if (t == null || x.nlink() < 0 || x.size() < 0 || x.entries() < 0 || a < 1) {
                    throw new CorruptFilesystemException(dev, block, "log block: record " + i + " holds invalid"
                            + " attributes " + x + " for inode " + a);
                }
                return LogRecord.inode(a, x);
            }
            case DIRENT: {
                long inode = b.getLong();
                FileType t = FileType.ofCode(b.get() & 0xFF);
                int len = b.get() & 0xFF;
                if (t == null || inode < 0 || len == 0 || b.position() + len > end) {
                    throw new CorruptFilesystemException(dev, block, "log block: record " + i + " is a directory"
                            + " entry with type, inode " + inode + " or name length " + len + " out of range");
                }
                byte[] name = new byte[len];
                b.get(name);
                return LogRecord.dirent(a, new String(name, StandardCharsets.UTF_8), inode, t);
            }
            default:
                return new LogRecord(type, a, 0);
        }
    }

    // ---- bitmap blocks ----

    static byte[] encodeBitmap(byte[] bits, long page, long volumeId, long seq, int blockSize) {
        ByteBuffer b = ByteBuffer.allocate(blockSize);
        b.putLong(24, page);
        b.put(HEADER, bits, 0, blockSize - HEADER);
        seal(b, MAGIC_BITMAP, volumeId, seq);
        return b.array();
    }

    static byte[] decodeBitmap(String dev, long block, byte[] data, long volumeId, long page)
            throws CorruptFilesystemException {
        ByteBuffer b = open(dev, block, data, MAGIC_BITMAP, "bitmap block", volumeId);
        if (b.getLong(24) != page) {
            throw new CorruptFilesystemException(dev, block, "bitmap block: holds page " + b.getLong(24)
                    + " but the bitmap file maps page " + page + " here");
        }
        byte[] bits = new byte[data.length - HEADER];
        b.get(HEADER, bits);
        return bits;
    }

    // ---- values ----

    static byte[] encodeInode(Attrs a, TreeRef root) {
        ByteBuffer b = ByteBuffer.allocate(INODE_RECORD);
        b.put((byte) a.type().code()).put((byte) 0).putShort((short) a.mode()).putInt(a.nlink());
        b.putLong(a.size()).putLong(a.mtime()).putLong(a.ctime()).putLong(a.parent());
        b.putLong(root.block()).putLong(root.seq()).putLong(a.entries());
        return b.array();
    }

    static InodeRecord decodeInode(String dev, long block, long inode, byte[] v, long blockCount)
            throws CorruptFilesystemException {
        if (v.length != INODE_RECORD) {
            throw new CorruptFilesystemException(dev, block, "inode " + inode + ": record of " + v.length
                    + " bytes, expected " + INODE_RECORD);
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        FileType type = FileType.ofCode(b.get() & 0xFF);
        b.get();
        int mode = b.getShort() & 0xFFFF;
        int nlink = b.getInt();
        long size = b.getLong();
        long mtime = b.getLong();
        long ctime = b.getLong();
        long parent = b.getLong();
        TreeRef root = new TreeRef(b.getLong(), b.getLong());
        long entries = b.getLong();
        // A root at or past NodeStore.VIRTUAL_BASE names a node held in memory since the last
        // rollup; none is ever written, and loading one that is not held fails as corruption.
        if (type == null || nlink < 0 || size < 0 || entries < 0 || (root.block() != 0
                && !NodeStore.isVirtual(root.block()) && (root.block() < 2 || root.block() >= blockCount))) {
            throw new CorruptFilesystemException(dev, block, "inode " + inode + ": invalid record (type "
                    + v[0] + ", links " + nlink + ", size " + size + ", root " + root.block() + ")");
        }
        return new InodeRecord(new Attrs(type, mode, nlink, size, mtime, ctime, parent, entries), root);
    }

    static byte[] encodeExtent(long physical, long count) {
        return ByteBuffer.allocate(EXTENT).putLong(physical).putInt((int) count).array();
    }

    static long extentPhysical(byte[] v) {
        return ByteBuffer.wrap(v).getLong(0);
    }

    static long extentCount(byte[] v) {
        return ByteBuffer.wrap(v).getInt(8) & 0xFFFFFFFFL;
    }

    static void checkExtent(String dev, long block, long key, byte[] v, long blockCount)
            throws CorruptFilesystemException {
        if (v.length != EXTENT) {
            throw new CorruptFilesystemException(dev, block, "extent at " + key + ": value of " + v.length + " bytes");
        }
        long p = extentPhysical(v);
        long n = extentCount(v);
        if (n == 0 || p < 2 || p + n > blockCount || key + n < key) {
            throw new CorruptFilesystemException(dev, block, "extent at " + key + ": blocks " + p + "+" + n
                    + " outside the volume");
        }
    }

    static byte[] encodeBucket(List<DirEntry> entries) {
        int size = 0;
        for (DirEntry e : entries) {
            size += 10 + utf8(e.name()).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (DirEntry e : entries) {
            byte[] name = utf8(e.name());
            b.put((byte) name.length).put(name).putLong(e.inode()).put((byte) e.type().code());
        }
        return b.array();
    }

    static List<DirEntry> decodeBucket(String dev, long block, byte[] v) throws CorruptFilesystemException {
        List<DirEntry> out = new ArrayList<>(1);
        ByteBuffer b = ByteBuffer.wrap(v);
        while (b.hasRemaining()) {
            int len = b.get() & 0xFF;
            if (len == 0 || b.remaining() < len + 9) {
                throw new CorruptFilesystemException(dev, block, "directory entry of name length " + len
                        + " runs past its bucket");
            }
            byte[] name = new byte[len];
            b.get(name);
            long inode = b.getLong();
            FileType type = FileType.ofCode(b.get() & 0xFF);
            if (type == null || inode < 1) {
                throw new CorruptFilesystemException(dev, block, "directory entry '"
                        + new String(name, StandardCharsets.UTF_8) + "': invalid inode " + inode + " or type");
            }
            out.add(new DirEntry(new String(name, StandardCharsets.UTF_8), inode, type));
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The directory key of a name: 63 bits of FNV-1a 64 with a final mix. */
    static long nameHash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte x : utf8(name)) {
            h ^= x & 0xFF;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h & Long.MAX_VALUE;
    }
}
