package dev.quiesce.lvm;

import dev.quiesce.spi.BlockUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The blocks an ext2/3/4 filesystem uses, read from its own block bitmaps on the device
 * while it is frozen (SPEC.md F15). ext4's freeze flushes and checkpoints the journal, so
 * the bitmaps on the device are current then.
 *
 * <p>Read, all little-endian (the kernel's {@code struct ext4_super_block} and
 * {@code struct ext4_group_desc}; nothing is written):
 * <ul>
 *   <li>superblock at byte 1024: {@code s_blocks_count_lo} @0x04, {@code s_first_data_block}
 *       @0x14, {@code s_log_block_size} @0x18 (block = 1024 &lt;&lt; n),
 *       {@code s_blocks_per_group} @0x20, {@code s_magic} @0x38 (0xEF53),
 *       {@code s_feature_incompat} @0x60 (0x10 META_BG, 0x80 64BIT), {@code s_desc_size}
 *       @0xFE, {@code s_blocks_count_hi} @0x150;</li>
 *   <li>group descriptors from block {@code s_first_data_block + 1}, 32 bytes each (or
 *       {@code s_desc_size} with 64BIT): {@code bg_block_bitmap_lo} @0x00,
 *       {@code bg_flags} @0x12 (0x2 BLOCK_UNINIT), {@code bg_block_bitmap_hi} @0x20;</li>
 *   <li>each group's bitmap: bit {@code i} of byte {@code i / 8} is block
 *       {@code first_data_block + group * blocks_per_group + i}.</li>
 * </ul>
 * Wherever the layout is not one this reader knows (META_BG) it reports nothing; a group
 * whose bitmap was never initialized is marked wholly in use. Marking too much costs a
 * copy; marking too little would lose data.
 */
final class Ext4BlockUsage {
    private static final int MAGIC = 0xEF53;
    private static final int INCOMPAT_META_BG = 0x10;
    private static final int INCOMPAT_64BIT = 0x80;
    private static final int BG_BLOCK_UNINIT = 0x2;

    private Ext4BlockUsage() {
    }

    /** The usage bitmap over the whole device, in filesystem blocks; empty if unreadable. */
    static Optional<BlockUsage> read(Path device) {
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.READ)) {
            return read(channel, deviceSize(channel));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<BlockUsage> read(FileChannel channel, long deviceBytes) throws IOException {
        ByteBuffer sb = readAt(channel, 1024, 1024);
        if ((sb.getShort(0x38) & 0xFFFF) != MAGIC) {
            return Optional.empty();
        }
        int incompat = sb.getInt(0x60);
        if ((incompat & INCOMPAT_META_BG) != 0) {
            return Optional.empty();
        }
        boolean wide = (incompat & INCOMPAT_64BIT) != 0;
        int blockSize = 1024 << sb.getInt(0x18);
        long fsBlocks = Integer.toUnsignedLong(sb.getInt(0x04)) | (wide ? Integer.toUnsignedLong(sb.getInt(0x150)) << 32 : 0);
        long firstData = Integer.toUnsignedLong(sb.getInt(0x14));
        long perGroup = Integer.toUnsignedLong(sb.getInt(0x20));
        int descSize = wide ? Math.max(32, sb.getShort(0xFE) & 0xFFFF) : 32;
        long deviceBlocks = deviceBytes / blockSize;
        if (perGroup == 0 || fsBlocks > deviceBlocks || blockSize > 65536) {
            return Optional.empty();
        }
        long groups = (fsBlocks - firstData + perGroup - 1) / perGroup;
        long[] words = new long[(int) ((deviceBlocks + 63) / 64)];
        for (long b = 0; b < firstData; b++) {
            set(words, b);
        }
        ByteBuffer descriptors = readAt(channel, (firstData + 1) * blockSize, Math.toIntExact(groups * descSize));
        for (long g = 0; g < groups; g++) {
            int d = (int) (g * descSize);
            long first = firstData + g * perGroup;
            long count = Math.min(perGroup, fsBlocks - first);
            int flags = descriptors.getShort(d + 0x12) & 0xFFFF;
            if ((flags & BG_BLOCK_UNINIT) != 0) {
                for (long i = 0; i < count; i++) {
                    set(words, first + i);
                }
                continue;
            }
            long bitmapBlock = Integer.toUnsignedLong(descriptors.getInt(d))
                    | (wide && descSize >= 0x24 ? Integer.toUnsignedLong(descriptors.getInt(d + 0x20)) << 32 : 0);
            ByteBuffer bitmap = readAt(channel, bitmapBlock * blockSize, blockSize);
            for (long i = 0; i < count; i++) {
                if ((bitmap.get((int) (i >>> 3)) & (1 << (i & 7))) != 0) {
                    set(words, first + i);
                }
            }
        }
        return Optional.of(BlockUsage.of(blockSize, deviceBlocks, words));
    }

    private static void set(long[] words, long block) {
        words[(int) (block >>> 6)] |= 1L << block;
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("end of device at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long deviceSize(FileChannel channel) throws IOException {
        long size = channel.size();
        return size > 0 ? size : channel.position(0).position(Long.MAX_VALUE).size();
    }
}
