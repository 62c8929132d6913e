package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * fsck finds what it claims to check: images made inconsistent on purpose (with valid
 * checksums, so only the invariants can tell) are reported, each problem by block.
 */
class FsckTest {

    /** A fresh volume whose bitmap page 0 (block 4) gets {@code block} flipped, counts kept consistent. */
    private static MemoryBlockDevice withBitFlipped(long block) throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("fsck", 4096, 256);
        Dusk.format(dev);
        ByteBuffer b = ByteBuffer.allocate(4096);
        dev.read(0, b);
        Superblock sb = DiskFormat.decodeSuperblock("fsck", 0, b.array(), 256);
        ByteBuffer page = ByteBuffer.allocate(4096);
        dev.read(4, page);
        byte[] bits = DiskFormat.decodeBitmap("fsck", 4, page.array(), sb.volumeId(), 0);
        boolean wasSet = (bits[(int) (block >>> 3)] & (1 << (block & 7))) != 0;
        bits[(int) (block >>> 3)] ^= (byte) (1 << (block & 7));
        dev.write(4, ByteBuffer.wrap(DiskFormat.encodeBitmap(bits, 0, sb.volumeId(), sb.seq(), 4096)));
        long free = sb.freeBlocks() + (wasSet ? 1 : -1);
        Superblock changed = new Superblock(sb.volumeId(), sb.seq(), sb.blockSize(), sb.blockCount(), sb.itable(),
                sb.orphans(), sb.bitmap(), sb.logHead(), sb.logCount(), sb.rollup(), sb.nextInode(),
                sb.inodeCount(), free, free, sb.cleanRollup());
        byte[] data = DiskFormat.encodeSuperblock(changed);
        dev.write(0, ByteBuffer.wrap(data));
        dev.write(1, ByteBuffer.wrap(data));
        return dev;
    }

    @Test
    void fsckReportsEachPhaseFromStartToEnd() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("fsck", 512, 20_000);
        Dusk.format(dev);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults().withRollupEvery(1000))) {
            for (int i = 0; i < 300; i++) {
                fs.writeFile("/f" + i, new byte[600]);
            }
            fs.sync();
        }
        java.util.List<String> phases = new java.util.ArrayList<>();
        java.util.Map<String, long[]> last = new java.util.HashMap<>();
        FsckReport r = Dusk.fsck(dev, (phase, done, total) -> {
            long[] prev = last.get(phase);
            assertTrue(done >= 0 && done <= total, phase + " " + done + "/" + total);
            assertTrue(prev == null || (done >= prev[0] && total == prev[1]), phase + " went back to " + done);
            if (prev == null) {
                assertEquals(0, done, phase + " does not start at 0");
                phases.add(phase);
            }
            last.put(phase, new long[] {done, total});
        });
        assertTrue(r.isClean(), r.toString());
        assertEquals(java.util.List.of(FsckProgress.REPLAY, FsckProgress.INODES, FsckProgress.BITMAP), phases);
        for (String phase : phases) {
            assertEquals(last.get(phase)[1], last.get(phase)[0], phase + " did not reach its end");
        }
        assertEquals(301, last.get(FsckProgress.INODES)[1]);
        assertEquals(20_000, last.get(FsckProgress.BITMAP)[1]);
    }

    @Test
    void aFreshVolumeIsClean() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("fsck", 4096, 256);
        Dusk.format(dev);
        FsckReport r = Dusk.fsck(dev);
        assertTrue(r.isClean(), r.toString());
        assertEquals(0, r.exitCode());
        assertEquals(1, r.inodes());
    }

    @Test
    void aBlockMarkedInUseThatNothingReferencesIsALeak() throws Exception {
        FsckReport r = Dusk.fsck(withBitFlipped(100));
        assertEquals(4, r.exitCode());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("block 100") && p.contains("leaked")), r.toString());
    }

    @Test
    void aReferencedBlockMarkedFreeIsReported() throws Exception {
        FsckReport r = Dusk.fsck(withBitFlipped(2));
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("block 2") && p.contains("marked free")),
                r.toString());
    }

    @Test
    void aWrongInodeCountIsReported() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("fsck", 4096, 256);
        Dusk.format(dev);
        ByteBuffer b = ByteBuffer.allocate(4096);
        dev.read(0, b);
        Superblock sb = DiskFormat.decodeSuperblock("fsck", 0, b.array(), 256);
        Superblock wrong = new Superblock(sb.volumeId(), sb.seq(), sb.blockSize(), sb.blockCount(), sb.itable(),
                sb.orphans(), sb.bitmap(), sb.logHead(), sb.logCount(), sb.rollup(), sb.nextInode(), 7,
                sb.freeBlocks(), sb.freeAtRollup(), sb.cleanRollup());
        dev.write(0, ByteBuffer.wrap(DiskFormat.encodeSuperblock(wrong)));
        dev.write(1, ByteBuffer.wrap(DiskFormat.encodeSuperblock(wrong)));
        FsckReport r = Dusk.fsck(dev);
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("counts 7 inodes")), r.toString());
    }
}
