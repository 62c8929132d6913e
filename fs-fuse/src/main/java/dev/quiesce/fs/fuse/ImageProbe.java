package dev.quiesce.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalInt;

/**
 * Tells a Dusk image from any other file before mounting it, so that
 * a mount refuses any other file with a clear error, and
 * reads the block size the device must be opened with. Reads the first 32 bytes of a
 * superblock copy (fs-reference FORMAT.md: magic {@code DSUP} at offset 0, block size at
 * offset 28, big-endian): copy 0 at block 0, or, when copy 0 is torn, copy 1 at block 1
 * for each possible block size. The mount itself checks everything else.
 */
final class ImageProbe {
    static final int MAGIC_SUPER = 0x44535550;

    private ImageProbe() {
    }

    /** The block size recorded in the image, or empty if it does not start like a Dusk image. */
    static OptionalInt blockSize(Path image) throws IOException {
        if (!Files.isRegularFile(image)) {
            return OptionalInt.empty();
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            OptionalInt first = at(ch, 0, 0);
            if (first.isPresent()) {
                return first;
            }
            for (int bs = 512; bs <= 65536; bs <<= 1) {
                OptionalInt second = at(ch, bs, bs);
                if (second.isPresent()) {
                    return second;
                }
            }
            return OptionalInt.empty();
        }
    }

    private static OptionalInt at(FileChannel ch, long offset, int expected) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) <= 0) {
                return OptionalInt.empty();
            }
        }
        int bs = b.getInt(28);
        boolean valid = b.getInt(0) == MAGIC_SUPER && bs >= 512 && bs <= 65536 && Integer.bitCount(bs) == 1;
        return valid && (expected == 0 || expected == bs) ? OptionalInt.of(bs) : OptionalInt.empty();
    }
}
