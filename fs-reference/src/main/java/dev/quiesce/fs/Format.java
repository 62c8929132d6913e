package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Making a new volume and finding the committed superblock of an existing one.
 *
 * <p>A fresh volume: superblocks at 0 and 1 (both copies of commit 1), the inode table
 * as one leaf at block 2 holding the root directory (inode 1), the bitmap tree as one
 * leaf at block 3 mapping page 0 to block 4, and bitmap page 0 marking blocks 0-4.
 * Every other bitmap page is a hole of the bitmap file (all free), so formatting a
 * 16 TiB volume writes five blocks. The log is empty.
 */
final class Format {
    private Format() {
    }

    /** The superblock mount uses and which copy (0 or 1) held it. */
    record Chosen(Superblock superblock, int copy) {
    }

    static void write(BlockDevice device, long blocks, long volumeId) throws IOException {
        int bs = device.blockSize();
        if (blocks < Dusk.MIN_BLOCKS) {
            throw new IllegalArgumentException(device.name() + ": a Dusk volume needs at least " + Dusk.MIN_BLOCKS
                    + " blocks, the device has " + blocks);
        }
        if (device.isReadOnly()) {
            throw new dev.quiesce.spi.ReadOnlyDeviceException(device.name(), 0);
        }
        long seq = 1;
        long now = System.currentTimeMillis();
        Node itable = Node.leaf();
        itable.insertLeaf(0, Namespace.ROOT, DiskFormat.encodeInode(
                new Attrs(FileType.DIRECTORY, 0755, 2, 0, now, now, Namespace.ROOT, 0), TreeRef.EMPTY));
        Node bitmapTree = Node.leaf();
        bitmapTree.insertLeaf(0, 0, DiskFormat.encodeExtent(4, 1));
        byte[] page = new byte[bs - DiskFormat.HEADER];
        page[0] = 0x1F;
        device.write(2, ByteBuffer.wrap(DiskFormat.encodeNode(itable, DiskFormat.KIND_ITABLE, volumeId, seq, bs)));
        device.write(3, ByteBuffer.wrap(DiskFormat.encodeNode(bitmapTree, DiskFormat.KIND_BITMAP, volumeId, seq, bs)));
        device.write(4, ByteBuffer.wrap(DiskFormat.encodeBitmap(page, 0, volumeId, seq, bs)));
        device.flush();
        long free = blocks - 5;
        Superblock sb = new Superblock(volumeId, seq, bs, blocks, new TreeRef(2, seq), TreeRef.EMPTY,
                new TreeRef(3, seq), 0, 0, 0, Namespace.ROOT + 1, 1, free, free, true);
        byte[] data = DiskFormat.encodeSuperblock(sb);
        device.write(0, ByteBuffer.wrap(data));
        device.write(1, ByteBuffer.wrap(data));
        device.flush();
    }

    /**
     * The valid superblock with the higher commit number. A torn or stale copy is
     * skipped (that is what the second copy is for), and so is a sealed copy whose
     * commit's blocks did not all reach the device ({@link CommitSeal#verify}); both bad
     * is corruption.
     */
    static Chosen readSuperblock(BlockDevice device) throws IOException {
        if (device.blockCount() < Dusk.MIN_BLOCKS) {
            throw new CorruptFilesystemException(device.name(), 0, "device of " + device.blockCount()
                    + " blocks is too small to hold a Dusk volume");
        }
        Superblock[] copies = new Superblock[2];
        CorruptFilesystemException first = null;
        for (int c = 0; c < 2; c++) {
            ByteBuffer b = ByteBuffer.allocate(device.blockSize());
            device.read(c, b);
            try {
                copies[c] = DiskFormat.decodeSuperblock(device.name(), c, b.array(), device.blockCount());
            } catch (CorruptFilesystemException e) {
                first = note(first, e);
            }
        }
        if (copies[0] != null && copies[1] != null && copies[0].volumeId() != copies[1].volumeId()) {
            throw new CorruptFilesystemException(device.name(), 1, "the two superblocks belong to different volumes");
        }
        int newer = copies[1] != null && (copies[0] == null || copies[1].seq() > copies[0].seq()) ? 1 : 0;
        for (int c : new int[] {newer, 1 - newer}) {
            if (copies[c] == null) {
                continue;
            }
            try {
                CommitSeal.verify(device, copies[c], c);
                return new Chosen(copies[c], c);
            } catch (CorruptFilesystemException e) {
                first = note(first, e);
            }
        }
        throw new CorruptFilesystemException(device.name(), 0, "no valid superblock in blocks 0 and 1"
                + " (not a Dusk volume, or both copies damaged)", first);
    }

    private static CorruptFilesystemException note(CorruptFilesystemException first, CorruptFilesystemException e) {
        if (first == null) {
            return e;
        }
        first.addSuppressed(e);
        return first;
    }
}
