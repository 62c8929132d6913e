package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.tck.MutationStall;
import dev.quiesce.tck.StallingBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The delta pipeline: forking, group commit, rollup bounding replay, read-only mounts. */
class CommitPipelineTest {

    @Test
    void writersGoOnWhileACommitIsStuckWritingAndTheCommitKeepsItsOwnVersion() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("fork", 4096, 4096);
        Dusk.format(memory);
        StallingBlockDevice device = new StallingBlockDevice(memory);
        Dusk fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)));
        DuskFile f = fs.create("/f");
        f.write(0, ByteBuffer.wrap(new byte[] {1, 1, 1}));
        MutationStall stall = device.stallNextWrite();
        CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> {
            try {
                f.fsync();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(stall.awaitStalled(Duration.ofSeconds(10)), "the commit never wrote");
        // The commit of {1,1,1} is stuck in the device; the front end must not wait for it.
        f.write(0, ByteBuffer.wrap(new byte[] {2, 2}));
        fs.mkdir("/during");
        ByteBuffer now = ByteBuffer.allocate(3);
        f.read(0, now);
        assertArrayEquals(new byte[] {2, 2, 1}, now.array());
        stall.close();
        sync.get(10, TimeUnit.SECONDS);
        f.close();
        fs.close();
        MemoryBlockDevice committedFirst = memory;
        try (Dusk again = Dusk.mount(committedFirst, DuskOptions.defaults().withReadOnly(true))) {
            assertArrayEquals(new byte[] {2, 2, 1}, again.readFile("/f"));
            assertTrue(again.stat("/during").isDirectory());
        }
        assertTrue(Dusk.fsck(memory).isClean());
    }

    @Test
    void concurrentFsyncsShareCommits() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("group", 4096, 8192);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        int threads = 8;
        int rounds = 20;
        try (Dusk fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                all.add(pool.submit(() -> {
                    start.await();
                    try (DuskFile f = fs.create("/t" + id)) {
                        for (int i = 0; i < rounds; i++) {
                            f.write(i * 1024L, ByteBuffer.wrap(new byte[1024]));
                            f.fsync();
                        }
                    }
                    return null;
                }));
            }
            device.clear();
            start.countDown();
            for (Future<?> f : all) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long superblockWrites = device.events().stream()
                    .filter(e -> e.kind() == RecordingBlockDevice.Kind.WRITE && e.block() < 2).count();
            assertTrue(superblockWrites < threads * rounds, superblockWrites + " commits for "
                    + threads * rounds + " fsyncs: fsyncs in one delta must share a commit");
        }
        assertTrue(Dusk.fsck(memory).isClean());
    }

    @Test
    void aCommitForMemoryIsLazyAndTheNextFsyncMakesItDurable() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("lazy", 4096, 4096);
        Dusk.format(memory);
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        try (Dusk fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)))) {
            fs.writeFile("/a", new byte[] {1, 2, 3});
            long from = RecordingBlockDevice.mark();
            fs.volume().commit.commitAndWait(false, false);
            long to = RecordingBlockDevice.mark();
            assertTrue(device.writesBetween(from, to).stream().mapToInt(RecordingBlockDevice.Event::blocks).sum() >= 2,
                    "the lazy commit wrote " + device.writesBetween(from, to));
            assertTrue(device.writesBetween(from, to).stream().noneMatch(w -> w.block() < 2), "a superblock was written");
            assertEquals(0, device.flushesBetween(from, to).size(), "a lazy commit flushed");
            // Not durable yet: an image of the device as it stands mounts without the file.
            MemoryBlockDevice image = new MemoryBlockDevice("image", 4096, 4096);
            image.write(0, ByteBuffer.wrap(memory.toByteArray()));
            try (Dusk before = Dusk.mount(image, DuskOptions.defaults().withReadOnly(true))) {
                assertTrue(before.lookup("/a").isEmpty(), "the lazy commit counted before any superblock named it");
            }
            assertTrue(Dusk.fsck(image).isClean());
            from = RecordingBlockDevice.mark();
            fs.sync();
            to = RecordingBlockDevice.mark();
            assertTrue(device.writesBetween(from, to).stream().anyMatch(w -> w.block() < 2), "sync wrote no superblock");
            assertEquals(2, device.flushesBetween(from, to).size(), "sync after a lazy commit flushes before and after");
        }
        try (Dusk fs = Dusk.mount(memory, DuskOptions.defaults().withReadOnly(true))) {
            assertArrayEquals(new byte[] {1, 2, 3}, fs.readFile("/a"));
        }
        assertTrue(Dusk.fsck(memory).isClean());
    }

    @Test
    void rollupBoundsTheLogThatMountReplays() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("rollup", 4096, 4096);
        Dusk.format(dev);
        DuskOptions options = DuskOptions.defaults().withRollupEvery(4);
        try (Dusk fs = Dusk.mount(dev, options)) {
            for (int i = 0; i < 200; i++) {
                fs.writeFile("/f" + (i % 10), new byte[5000]);
                fs.sync();
            }
        }
        try (Dusk fs = Dusk.mount(dev, options)) {
            assertTrue(fs.replayedRecords() < 4 * 60, "replayed " + fs.replayedRecords() + " records after 200 commits");
        }
        assertTrue(Dusk.fsck(dev).isClean());
    }

    @Test
    void orphansLeftByACrashAreDestroyedAtMount() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("orphan", 4096, 1024);
        Dusk.format(dev);
        MemoryBlockDevice crashed = new MemoryBlockDevice("after crash", 4096, 1024);
        try (Dusk fs = Dusk.mount(dev, DuskOptions.defaults())) {
            fs.writeFile("/keep", new byte[10]);
            fs.writeFile("/gone", new byte[50_000]);
            try (DuskFile open = fs.open("/gone")) {
                fs.unlink("/gone");
                fs.sync();
                crashed.write(0, ByteBuffer.wrap(dev.toByteArray()));
                assertEquals(0, open.stat().links());
            }
        }
        assertTrue(Dusk.fsck(crashed).isClean(), "an orphan is a legal committed state");
        long freeBefore;
        try (Dusk fs = Dusk.mount(crashed, DuskOptions.defaults().withReadOnly(true))) {
            assertEquals(3, fs.statfs().inodes());
            freeBefore = fs.statfs().freeBlocks();
        }
        try (Dusk fs = Dusk.mount(crashed, DuskOptions.defaults())) {
            assertEquals(2, fs.statfs().inodes());
            assertTrue(fs.statfs().freeBlocks() > freeBefore, "the orphan's blocks were not freed");
        }
        assertTrue(Dusk.fsck(crashed).isClean());
    }

    @Test
    void readOnlyMountRefusesChangesAndWritesNothing() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("ro", 4096, 1024);
        Dusk.format(memory);
        try (Dusk fs = Dusk.mount(memory, DuskOptions.defaults())) {
            fs.writeFile("/a", new byte[] {5});
        }
        RecordingBlockDevice device = new RecordingBlockDevice(memory);
        try (Dusk fs = Dusk.mount(device, DuskOptions.defaults().withReadOnly(true))) {
            assertThrows(ReadOnlyMountException.class, () -> fs.mkdir("/b"));
            assertThrows(ReadOnlyMountException.class, () -> fs.unlink("/a"));
            assertArrayEquals(new byte[] {5}, fs.readFile("/a"));
            fs.freeze(dev.quiesce.spi.FreezeRequest.of("ro")).thaw();
        }
        assertEquals(0, device.events().size(), "a read-only mount wrote: " + device.events());
    }

    /**
     * An fsync with no commit running commits on its own thread (no hand-off to the
     * committer); an interrupted thread's fsync is left to the committer (it reports the
     * interrupt, and the filesystem goes on); and a commit made on another thread is not
     * mistaken by the committer for its interval: nothing written after that fsync is
     * committed until asked.
     */
    @Test
    void anFsyncCommitsOnItsOwnThreadAndWakesNoIntervalCommit() throws Exception {
        MemoryBlockDevice memory = new MemoryBlockDevice("own", 4096, 4096);
        Dusk.format(memory);
        List<String> superblockWriters = java.util.Collections.synchronizedList(new ArrayList<>());
        dev.quiesce.spi.BlockDevice device = new ForwardingDevice(memory) {
            @Override
            public void write(long block, ByteBuffer src) throws java.io.IOException {
                if (block < 2) {
                    superblockWriters.add(Thread.currentThread().getName());
                }
                super.write(block, src);
            }
        };
        try (Dusk fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)))) {
            for (int round = 0; round < 200; round++) {
                superblockWriters.clear();
                try (DuskFile f = fs.create("/f" + round)) {
                    f.write(0, ByteBuffer.wrap(new byte[] {(byte) round}));
                    f.fsync();
                    assertEquals(List.of(Thread.currentThread().getName()), superblockWriters, "round " + round);
                    // Changed right after the fsync returned: only a request may commit this.
                    f.write(1, ByteBuffer.wrap(new byte[] {1}));
                }
            }
            Thread.sleep(50);
            assertEquals(List.of(Thread.currentThread().getName()), superblockWriters,
                    "a commit nobody asked for followed the last fsync");
            superblockWriters.clear();
            try (DuskFile f = fs.open("/f0")) {
                f.write(2, ByteBuffer.wrap(new byte[] {2}));
                Thread.currentThread().interrupt();
                try {
                    f.fsync();
                } catch (java.io.InterruptedIOException reported) {
                    // Either way is right: the commit was asked for and the interrupt is kept.
                }
                assertTrue(Thread.interrupted(), "the interrupt was lost");
                assertTrue(!superblockWriters.contains(Thread.currentThread().getName()),
                        "an interrupted thread did the commit's I/O: " + superblockWriters);
                f.fsync();
            }
        }
        try (Dusk again = Dusk.mount(memory, DuskOptions.defaults().withReadOnly(true))) {
            assertArrayEquals(new byte[] {0, 1, 2}, again.readFile("/f0"));
        }
    }
}
