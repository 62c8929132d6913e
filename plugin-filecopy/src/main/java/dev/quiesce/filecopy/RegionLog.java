package dev.quiesce.filecopy;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The codec and store of a mirror's state and region bitmap: every bit of the on-disk
 * format is packed and checked here and nowhere else. FORMAT.md beside this file
 * describes the same layout.
 *
 * <h2>Layout</h2>
 * The log device holds two slots of {@code slotBlocks} blocks each (slot 0 at block 0,
 * slot 1 at block {@code slotBlocks}); the device is exactly two slots long. A write
 * goes to the slot the new sequence number picks ({@code sequence % 2}), so a torn write
 * can only damage the slot being written and the other one still holds the previous
 * state. On read, the valid slot with the higher sequence wins. All integers are
 * little-endian. A slot holds:
 * <pre>
 * offset  size  field
 * 0       4     magic 0x52494D51 (bytes "QMIR")
 * 4       2     version, 1
 * 6       1     state: 1 MIRRORED, 2 RESYNCING, 3 SPLIT
 * 7       1     reserved, 0
 * 8       8     sequence: 1 for the first write, +1 for each later write
 * 16      4     block size of the mirrored device, bytes
 * 20      4     region size, bytes (a power of two, a multiple of the block size)
 * 24      8     block count of the mirrored device
 * 32      4     region count = ceil(blockCount * blockSize / regionSize)
 * 36      2     replica path length in UTF-8 bytes, 0..1024
 * 38      2     reserved, 0
 * 40      1024  replica path, UTF-8, zero padded
 * 1064    8*W   region bitmap, W = ceil(regionCount / 64) words; bit r % 64 of word
 *               r / 64 set means region r of the replica may differ from the primary
 *               (MIRRORED, RESYNCING) or was changed on the primary since the split
 *               (SPLIT)
 * 1064+8W 4     CRC-32C of bytes 0 .. 1064+8W-1
 * rest          zero up to the end of the slot
 * </pre>
 * A slot whose magic, version, CRC or geometry does not check out is ignored; when
 * neither slot is valid the log is corrupt and reading fails with a
 * {@link MirrorException} naming the log and the slot offsets.
 */
final class RegionLog {
    static final int MAGIC = 0x52494D51;
    static final short VERSION = 1;
    static final int MAX_PATH_BYTES = 1024;
    private static final int BITMAP_OFFSET = 40 + MAX_PATH_BYTES;

    /** One decoded slot: everything the mirror needs to resume. */
    record Image(MirrorState state, long sequence, int blockSize, int regionSize, long blockCount,
                 String replica, long[] bitmap) {
        int regionCount() {
            return RegionLog.regionCount(blockSize, regionSize, blockCount);
        }
    }

    private final BlockDevice device;
    private final int slotBlocks;
    private long sequence;

    private RegionLog(BlockDevice device, int slotBlocks, long sequence) {
        this.device = device;
        this.slotBlocks = slotBlocks;
        this.sequence = sequence;
    }

    static int regionCount(int blockSize, int regionSize, long blockCount) {
        return Math.toIntExact((blockCount * blockSize + regionSize - 1) / regionSize);
    }

    /** Blocks of the log device needed for a mirror of this geometry: two slots. */
    static long deviceBlocks(int blockSize, int regionSize, long blockCount) {
        return 2L * slotBlocks(blockSize, regionCount(blockSize, regionSize, blockCount));
    }

    private static int slotBlocks(int blockSize, int regionCount) {
        long bytes = BITMAP_OFFSET + 8L * words(regionCount) + 4;
        return Math.toIntExact((bytes + blockSize - 1) / blockSize);
    }

    private static int words(int regionCount) {
        return (regionCount + 63) / 64;
    }

    /** A log on a fresh device of {@link #deviceBlocks} blocks; writes {@code first} as sequence 1. */
    static RegionLog create(BlockDevice device, Image first) throws IOException {
        int slotBlocks = slotBlocks(device.blockSize(), first.regionCount());
        if (device.blockCount() != 2L * slotBlocks) {
            throw new MirrorException(device.name(), "mirror log device has " + device.blockCount()
                    + " blocks, a log of " + first.regionCount() + " regions needs " + 2L * slotBlocks);
        }
        RegionLog log = new RegionLog(device, slotBlocks, 0);
        log.write(first.state(), first.replica(), first.bitmap(), first.regionSize(), first.blockCount());
        return log;
    }

    /** Opens an existing log; the next write follows the newest valid slot's sequence. */
    static RegionLog open(BlockDevice device) throws IOException {
        Image image = read(device);
        return new RegionLog(device, Math.toIntExact(device.blockCount() / 2), image.sequence());
    }

    /** The newest valid slot of {@code device}. */
    static Image read(BlockDevice device) throws IOException {
        if (device.blockCount() < 2 || device.blockCount() % 2 != 0) {
            throw new MirrorException(device.name(), "not a mirror log: " + device.blockCount()
                    + " blocks is not two equal slots");
        }
        int slotBlocks = Math.toIntExact(device.blockCount() / 2);
        Image best = null;
        String[] problems = new String[2];
        for (int slot = 0; slot < 2; slot++) {
            ByteBuffer buffer = ByteBuffer.allocate(slotBlocks * device.blockSize());
            device.read((long) slot * slotBlocks, buffer);
            buffer.flip().order(ByteOrder.LITTLE_ENDIAN);
            try {
                Image image = decode(buffer, device.blockSize(), slotBlocks);
                if (best == null || image.sequence() > best.sequence()) {
                    best = image;
                }
            } catch (IllegalStateException e) {
                problems[slot] = e.getMessage();
            }
        }
        if (best == null) {
            throw new MirrorException(device.name(), "mirror log corrupt: slot 0 (byte 0): " + problems[0]
                    + "; slot 1 (byte " + (long) slotBlocks * device.blockSize() + "): " + problems[1]);
        }
        return best;
    }

    private static Image decode(ByteBuffer b, int deviceBlockSize, int slotBlocks) {
        check(b.getInt(0) == MAGIC, "bad magic " + Integer.toHexString(b.getInt(0)));
        check(b.getShort(4) == VERSION, "unknown version " + b.getShort(4));
        int blockSize = b.getInt(16);
        int regionSize = b.getInt(20);
        long blockCount = b.getLong(24);
        int regionCount = b.getInt(32);
        check(blockSize == deviceBlockSize, "block size " + blockSize + " differs from the log device's " + deviceBlockSize);
        check(regionSize >= blockSize && Integer.bitCount(regionSize) == 1, "bad region size " + regionSize);
        check(blockCount >= 0 && regionCount == regionCount(blockSize, regionSize, blockCount),
                "region count " + regionCount + " does not match " + blockCount + " blocks");
        check(slotBlocks(blockSize, regionCount) <= slotBlocks, "bitmap larger than the slot");
        int words = words(regionCount);
        int crcAt = BITMAP_OFFSET + 8 * words;
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(0).limit(crcAt));
        check((int) crc.getValue() == b.getInt(crcAt), "CRC mismatch");
        MirrorState state = switch (b.get(6)) {
            case 1 -> MirrorState.MIRRORED;
            case 2 -> MirrorState.RESYNCING;
            case 3 -> MirrorState.SPLIT;
            default -> throw new IllegalStateException("unknown state " + b.get(6));
        };
        int pathLength = Short.toUnsignedInt(b.getShort(36));
        check(pathLength <= MAX_PATH_BYTES, "replica path of " + pathLength + " bytes");
        byte[] path = new byte[pathLength];
        b.get(40, path);
        long[] bitmap = new long[words];
        for (int i = 0; i < words; i++) {
            bitmap[i] = b.getLong(BITMAP_OFFSET + 8 * i);
        }
        return new Image(state, b.getLong(8), blockSize, regionSize, blockCount,
                new String(path, StandardCharsets.UTF_8), bitmap);
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException(problem);
        }
    }

    /**
     * Writes a new state into the older slot and flushes the log device: when this
     * returns the state is durable (D3), and a crash during it leaves the previous one.
     */
    synchronized void write(MirrorState state, String replica, long[] bitmap, int regionSize, long blockCount)
            throws IOException {
        int blockSize = device.blockSize();
        int regionCount = regionCount(blockSize, regionSize, blockCount);
        byte[] path = replica.getBytes(StandardCharsets.UTF_8);
        if (path.length > MAX_PATH_BYTES) {
            throw new MirrorException(device.name(), "replica path longer than " + MAX_PATH_BYTES + " bytes: " + replica);
        }
        if (bitmap.length != words(regionCount)) {
            throw new IllegalArgumentException("bitmap of " + bitmap.length + " words for " + regionCount + " regions");
        }
        long next = sequence + 1;
        ByteBuffer b = ByteBuffer.allocate(slotBlocks * blockSize).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC).putShort(4, VERSION).put(6, code(state)).put(7, (byte) 0).putLong(8, next)
                .putInt(16, blockSize).putInt(20, regionSize).putLong(24, blockCount).putInt(32, regionCount)
                .putShort(36, (short) path.length).putShort(38, (short) 0).put(40, path);
        for (int i = 0; i < bitmap.length; i++) {
            b.putLong(BITMAP_OFFSET + 8 * i, bitmap[i]);
        }
        int crcAt = BITMAP_OFFSET + 8 * bitmap.length;
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(0).limit(crcAt));
        b.putInt(crcAt, (int) crc.getValue());
        device.write((next % 2) * slotBlocks, b);
        device.flush();
        sequence = next;
    }

    private static byte code(MirrorState state) {
        return switch (state) {
            case MIRRORED -> 1;
            case RESYNCING -> 2;
            case SPLIT -> 3;
        };
    }

    synchronized long sequence() {
        return sequence;
    }

    void close() throws IOException {
        device.close();
    }
}
