package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.FreezeRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tux3-style logging of index changes: between rollups a commit logs its inode, name,
 * extent and orphan changes as records and writes no index node; replay rebuilds the
 * trees from the last rollup plus those records; a rollup writes the nodes.
 */
class LoggedIndexTest {
    private static final DuskOptions NO_ROLLUP = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1))
            .withRollupEvery(1_000_000).withMaxLogBlocks(1_000_000);

    @Test
    void anOverwriteAndFsyncWritesTheDataBlockOneLogBlockAndTheSuperblockWithOneFlush() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("logged", 4096, 4096);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        try (Dusk fs = Dusk.mount(device, NO_ROLLUP); DuskFile f = fs.create("/f")) {
            f.write(0, ByteBuffer.allocate(64 * 4096));
            f.fsync();
            for (int i = 0; i < 20; i++) {
                long from = RecordingBlockDevice.mark();
                f.write((i * 7L % 64) * 4096, ByteBuffer.wrap(new byte[4096]));
                f.fsync();
                long to = RecordingBlockDevice.mark();
                List<RecordingBlockDevice.Event> writes = device.writesBetween(from, to);
                int blocks = writes.stream().mapToInt(RecordingBlockDevice.Event::blocks).sum();
                assertEquals(3, blocks, "overwrite " + i + " wrote " + writes);
                assertTrue(writes.stream().anyMatch(w -> w.block() < 2), "no superblock in " + writes);
                assertEquals(1, device.flushesBetween(from, to).size(), "overwrite " + i + " flushes");
            }
        }
        assertTrue(Dusk.fsck(memory).isClean(), Dusk.fsck(memory).toString());
    }

    @Test
    void replayRebuildsTheTreesFromTheLastRollupAndTheLoggedRecords() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("logged", 512, 8192);
        Dusk.format(dev);
        TreeRef formatted = Format.readSuperblock(dev).superblock().itable();
        FsModel model = new FsModel();
        FsModel.Workload work = new FsModel.Workload(11, 3000);
        try (Dusk fs = Dusk.mount(dev, NO_ROLLUP)) {
            for (int s = 0; s < 60; s++) {
                for (int k = 0; k < 15; k++) {
                    work.step(fs, model);
                }
                fs.sync();
            }
        }
        Superblock sb = Format.readSuperblock(dev).superblock();
        assertEquals(formatted, sb.itable(), "an inode table node was written between rollups");
        try (Dusk fs = Dusk.mount(dev, NO_ROLLUP.withReadOnly(true))) {
            assertTrue(fs.replayedRecords() > 200, "replayed only " + fs.replayedRecords() + " records");
            model.assertSame(fs, "after replay");
        }
        FsckReport report = Dusk.fsck(dev);
        assertTrue(report.isClean(), report.toString());
        // A rollup (here a freeze's) writes the trees; the image then mounts as the same state.
        try (Dusk fs = Dusk.mount(dev, NO_ROLLUP)) {
            fs.freeze(FreezeRequest.of("rollup")).thaw();
        }
        assertTrue(Format.readSuperblock(dev).superblock().logCount() == 0);
        try (Dusk fs = Dusk.mount(dev, NO_ROLLUP.withReadOnly(true))) {
            assertEquals(0, fs.replayedRecords());
            model.assertSame(fs, "after the rollup");
        }
        assertTrue(Dusk.fsck(dev).isClean());
    }

    @Test
    void aSmallRollupIsSealedAndFlushesOnce() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("logged", 4096, 4096);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        DuskOptions everySecond = NO_ROLLUP.withRollupEvery(2);
        try (Dusk fs = Dusk.mount(device, everySecond)) {
            int sealedRollups = 0;
            for (int i = 0; i < 6; i++) {
                long from = RecordingBlockDevice.mark();
                fs.writeFile("/f" + i, new byte[100]);
                fs.sync();
                long to = RecordingBlockDevice.mark();
                Superblock sb = fs.volume().commit.superblock();
                assertTrue(sb.sealedBlocks() > 0, "commit " + sb.seq() + " was not sealed");
                assertEquals(1, device.flushesBetween(from, to).size());
                if (sb.rollup() > 0 && sb.logCount() == 1) {
                    sealedRollups++;
                }
            }
            assertTrue(sealedRollups > 0, "no sealed rollup commit");
        }
        assertTrue(Dusk.fsck(memory).isClean());
    }

    @Test
    void anIndexRecordThatDoesNotFitTheTreesIsCorruption() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("logged", 4096, 256);
        Dusk.format(dev);
        Superblock sb = Format.readSuperblock(dev).superblock();
        NodeStore store = new NodeStore(dev, sb.volumeId(), sb.blockCount(), 1024);
        Index index = new Index(store, sb.itable(), sb.orphans());
        BTree.Frees none = (b, c) -> { };
        CorruptFilesystemException extentOfADirectory = assertThrows(CorruptFilesystemException.class,
                () -> index.apply(DiskFormat.LogRecord.extent(Namespace.ROOT, 0, 100, 1), none));
        assertTrue(extentOfADirectory.getMessage().contains("DIRECTORY"), extentOfADirectory.getMessage());
        assertThrows(CorruptFilesystemException.class,
                () -> index.apply(DiskFormat.LogRecord.dirent(99, "x", 5, FileType.FILE), none));
        assertThrows(CorruptFilesystemException.class,
                () -> index.apply(new DiskFormat.LogRecord(DiskFormat.ORPHAN_DEL, 7, 0), none));
        assertThrows(CorruptFilesystemException.class,
                () -> index.apply(new DiskFormat.LogRecord(DiskFormat.INODE_FREE, 42, 0), none));
    }
}
