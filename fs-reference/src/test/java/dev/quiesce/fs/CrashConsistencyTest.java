package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.CrashPlan;
import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.CrashState;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.FreezeRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency through core's {@link CrashSimulatingBlockDevice}: a random workload
 * with a sync after every few operations, then a crash at every flush boundary and at
 * subsets of the writes after it (torn too). Every image must mount, pass fsck, and hold
 * exactly the last durable commit or the one whose superblock write was in flight -
 * never a mix - so everything synced is there. Every so often the recovered volume is
 * mounted read-write and must accept a create and a delete in each directory.
 */
class CrashConsistencyTest {
    static final int IMAGES = Integer.getInteger("quiesce.crash.images", 10000);

    @Test
    void everyCrashImageHoldsExactlyALastCommittedState() throws Exception {
        // With writeback passes (data written ahead of its commit) and lazy commits (no
        // superblock, no flush) between the operations.
        int checked = run(512, 4096, 0, 20261201L, IMAGES * 4 / 5, true);
        assertTrue(checked >= IMAGES * 4 / 5 * 9 / 10, "only " + checked + " crash images checked");
    }

    @Test
    void tornWritesFallBackToTheOtherSuperblock() throws Exception {
        int checked = run(4096, 512, 512, 77L, IMAGES / 5, false);
        assertTrue(checked >= IMAGES / 5 * 9 / 10, "only " + checked + " crash images checked");
    }

    /**
     * The harness tests itself: the same workload on a device that drops every other
     * flush (the one before each superblock write) must produce images the oracle rejects.
     */
    @Test
    void theOracleCatchesADroppedFlush() throws Exception {
        MemoryBlockDevice formatted = new MemoryBlockDevice("crash", 512, 2048);
        Dusk.format(formatted);
        CrashSimulatingBlockDevice dev = CrashSimulatingBlockDevice.copyOf("crash", formatted);
        BlockDevice dropping = new FlushDropping(dev);
        List<FsModel> states = new ArrayList<>();
        List<Integer> durableAt = new ArrayList<>();
        FsModel model = new FsModel();
        FsModel.Workload work = new FsModel.Workload(5, 1500);
        try (Dusk fs = Dusk.mount(dropping, DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)))) {
            states.add(model.copy());
            durableAt.add(dev.flushCount());
            for (int s = 0; s < 12; s++) {
                for (int k = 0; k < 4; k++) {
                    work.step(fs, model);
                }
                fs.sync();
                states.add(model.copy());
                durableAt.add(dev.flushCount());
            }
        }
        int caught = 0;
        int checked = 0;
        for (CrashState state : dev.crashStates(new CrashPlan(5, 20, 0, true))) {
            if (checked++ == 3000) {
                break;
            }
            try {
                check(state, states, durableAt, false);
            } catch (AssertionError | IOException e) {
                caught++;
            }
        }
        assertTrue(caught > 0, "a dropped flush went unnoticed in " + checked + " crash images");
    }

    /** Passes every other flush through: the one before each superblock write is lost. */
    private static final class FlushDropping implements BlockDevice {
        private final BlockDevice device;
        private int flushes;

        FlushDropping(BlockDevice device) {
            this.device = device;
        }

        @Override public int blockSize() { return device.blockSize(); }
        @Override public long blockCount() { return device.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public void read(long block, ByteBuffer dst) throws IOException { device.read(block, dst); }
        @Override public void write(long block, ByteBuffer src) throws IOException { device.write(block, src); }
        @Override public void close() { }

        @Override
        public synchronized void flush() throws IOException {
            if (flushes++ % 2 == 1) {
                device.flush();
            }
        }
    }

    private int run(int blockSize, int blocks, int tornUnit, long seed, int budget, boolean writeback)
            throws Exception {
        MemoryBlockDevice formatted = new MemoryBlockDevice("crash", blockSize, blocks);
        Dusk.format(formatted);
        CrashSimulatingBlockDevice dev = CrashSimulatingBlockDevice.copyOf("crash", formatted);
        DuskOptions options = DuskOptions.defaults().withCommitInterval(Duration.ofHours(1)).withRollupEvery(3);
        List<FsModel> states = new ArrayList<>();
        List<Integer> durableAt = new ArrayList<>();
        FsModel model = new FsModel();
        FsModel.Workload work = new FsModel.Workload(seed, blockSize * 3);
        try (Dusk fs = Dusk.mount(dev, options)) {
            states.add(model.copy());
            durableAt.add(dev.flushCount());
            CrashPlan probe = new CrashPlan(seed, 40, tornUnit, true);
            for (int s = 0; s < 5000 && (s % 10 != 0 || count(dev, probe) < budget); s++) {
                int ops = 1 + s % 8;
                for (int k = 0; k < ops; k++) {
                    work.step(fs, model);
                    if (writeback && k % 3 == 1) {
                        fs.volume().commit.writeBackAndWait();
                    }
                    if (writeback && k % 3 == 2) {
                        // A lazy commit, as when dirty pages fill memory: no superblock, no flush.
                        fs.volume().commit.commitAndWait(false, false);
                    }
                }
                if (s % 5 == 4) {
                    // A freeze commits, then rolls up cleanly: both must be crash-safe too.
                    fs.freeze(FreezeRequest.of("crash-test")).thaw();
                } else {
                    fs.sync();
                }
                states.add(model.copy());
                durableAt.add(dev.flushCount());
            }
        }
        CrashPlan plan = new CrashPlan(seed, 40, tornUnit, true);
        long total = count(dev, plan);
        long want = Math.min(budget, total);
        long index = 0;
        int checked = 0;
        for (CrashState state : dev.crashStates(plan)) {
            boolean pick = index * want / total != (index + 1) * want / total;
            index++;
            if (!pick) {
                continue;
            }
            check(state, states, durableAt, checked % 50 == 0);
            checked++;
        }
        System.out.println("crash images: " + checked + " checked of " + total + " states (block size " + blockSize
                + (tornUnit > 0 ? ", torn unit " + tornUnit : "") + ", " + (states.size() - 1) + " syncs)");
        return checked;
    }

    private static long count(CrashSimulatingBlockDevice dev, CrashPlan plan) {
        long n = 0;
        for (CrashState ignored : dev.crashStates(plan)) {
            n++;
        }
        return n;
    }

    private static void check(CrashState state, List<FsModel> states, List<Integer> durableAt, boolean writeAfter)
            throws Exception {
        int last = 0;
        while (last + 1 < durableAt.size() && durableAt.get(last + 1) <= state.epoch()) {
            last++;
        }
        MemoryBlockDevice image = state.image();
        FsckReport report = Dusk.fsck(image);
        if (!report.isClean()) {
            fail(state.describe() + ": fsck: " + report);
        }
        AssertionError mismatch = null;
        try (Dusk fs = Dusk.mount(image, DuskOptions.defaults().withReadOnly(true))) {
            for (int candidate = last; candidate <= Math.min(last + 1, states.size() - 1); candidate++) {
                try {
                    states.get(candidate).assertSame(fs, "commit " + candidate);
                    mismatch = null;
                    break;
                } catch (AssertionError e) {
                    mismatch = e;
                }
            }
        }
        if (mismatch != null) {
            throw new AssertionError(state.describe() + ": matches neither commit " + last + " nor the next: "
                    + mismatch.getMessage(), mismatch);
        }
        if (writeAfter) {
            try (Dusk fs = Dusk.mount(image, DuskOptions.defaults())) {
                fs.writeFile("/after-crash", new byte[] {1});
                fs.unlink("/after-crash");
            }
            FsckReport after = Dusk.fsck(image);
            if (!after.isClean()) {
                fail(state.describe() + ": fsck after recovery and a write: " + after);
            }
        }
    }
}
