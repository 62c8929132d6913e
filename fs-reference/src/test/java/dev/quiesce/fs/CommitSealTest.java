package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.CrashPlan;
import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.CrashState;
import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The single-flush (sealed) commit: a small fsync costs one device flush, and at every
 * crash point inside that one epoch - any subset of its writes, the superblock without
 * the blocks it names included - mount takes either the whole new commit or falls back
 * to the previous one.
 */
class CommitSealTest {
    @Test
    void aSmallFsyncFlushesOnceAndATornSealedCommitFallsBack() throws Exception {
        MemoryBlockDevice formatted = new MemoryBlockDevice("seal", 512, 2048);
        Dusk.format(formatted);
        CrashSimulatingBlockDevice dev = CrashSimulatingBlockDevice.copyOf("seal", formatted);
        DuskOptions options = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)).withRollupEvery(1000);
        byte[] before = filled(700, (byte) 1);
        byte[] after = filled(1300, (byte) 2);
        int epoch;
        long sealedSeq;
        try (Dusk fs = Dusk.mount(dev, options)) {
            fs.writeFile("/f", before);
            fs.sync();
            epoch = dev.flushCount();
            try (DuskFile f = fs.open("/f")) {
                f.write(0, ByteBuffer.wrap(after));
                f.fsync();
            }
            assertEquals(epoch + 1, dev.flushCount(), "a small fsync must flush the device once");
            sealedSeq = fs.volume().commit.superblock().seq();
            assertTrue(fs.volume().commit.superblock().sealedBlocks() > 0, "the small commit was not sealed");
        }
        int fellBack = 0;
        int newer = 0;
        for (CrashState state : dev.crashStates(new CrashPlan(5, 200, 0, true))) {
            if (state.epoch() < epoch) {
                continue;
            }
            MemoryBlockDevice image = state.image();
            FsckReport report = Dusk.fsck(image);
            if (!report.isClean()) {
                fail(state.describe() + ": fsck: " + report);
            }
            long chosen = Format.readSuperblock(image).superblock().seq();
            byte[] content;
            try (Dusk fs = Dusk.mount(image, options.withReadOnly(true))) {
                content = fs.readFile("/f");
            }
            if (chosen == sealedSeq) {
                assertArrayEquals(after, content, state.describe() + ": took the sealed commit with other content");
                newer++;
            } else {
                assertArrayEquals(before, content, state.describe() + ": fell back but the content changed");
                if (superblockPersisted(image, sealedSeq)) {
                    fellBack++;
                }
            }
        }
        assertTrue(newer > 0, "no crash image holds the sealed commit");
        assertTrue(fellBack > 0, "no crash image had the sealed superblock without all of its blocks");
    }

    @Test
    void aSealedSuperblockWhoseDataBlockIsStaleIsSkipped() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("seal", 4096, 1024);
        Dusk.format(dev);
        DuskOptions options = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)).withRollupEvery(1000);
        long dataBlock;
        try (Dusk fs = Dusk.mount(dev, options)) {
            fs.writeFile("/f", filled(100, (byte) 7));
            fs.sync();
            fs.writeFile("/f", filled(100, (byte) 8));
            fs.sync();
            assertTrue(fs.volume().commit.superblock().sealedBlocks() > 0);
            dataBlock = firstDataBlock(fs);
        }
        byte[] data = new byte[4096];
        dev.read(dataBlock, ByteBuffer.wrap(data));
        data[0] ^= 1;
        dev.write(dataBlock, ByteBuffer.wrap(data));
        try (Dusk fs = Dusk.mount(dev, options.withReadOnly(true))) {
            assertArrayEquals(filled(100, (byte) 7), fs.readFile("/f"), "the damaged sealed commit was taken");
        }
    }

    private static long firstDataBlock(Dusk fs) throws Exception {
        Volume v = fs.volume();
        long ino = v.namespace.resolve("/f", true);
        DiskFormat.InodeRecord r = v.published.inode(v.store, ino);
        long[] physical = {-1};
        new BTree(v.store, DiskFormat.KIND_EXTENTS, r.root()).forEach(0, (k, ext) -> {
            physical[0] = DiskFormat.extentPhysical(ext);
            return false;
        });
        return physical[0];
    }

    private static boolean superblockPersisted(MemoryBlockDevice image, long seq) throws Exception {
        for (int c = 0; c < 2; c++) {
            byte[] b = new byte[image.blockSize()];
            image.read(c, ByteBuffer.wrap(b));
            try {
                if (DiskFormat.decodeSuperblock("seal", c, b, image.blockCount()).seq() == seq) {
                    return true;
                }
            } catch (CorruptFilesystemException torn) {
                continue;
            }
        }
        return false;
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        Arrays.fill(b, value);
        return b;
    }
}
