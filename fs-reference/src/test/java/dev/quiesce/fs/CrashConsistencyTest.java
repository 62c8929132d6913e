package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.CrashPlan;
import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.CrashState;
import dev.quiesce.core.device.MemoryBlockDevice;
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
        int checked = run(512, 4096, 0, 20261201L, IMAGES * 4 / 5);
        assertTrue(checked >= IMAGES * 4 / 5 * 9 / 10, "only " + checked + " crash images checked");
    }

    @Test
    void tornWritesFallBackToTheOtherSuperblock() throws Exception {
        int checked = run(4096, 512, 512, 77L, IMAGES / 5);
        assertTrue(checked >= IMAGES / 5 * 9 / 10, "only " + checked + " crash images checked");
    }

    private int run(int blockSize, int blocks, int tornUnit, long seed, int budget) throws Exception {
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
                }
                fs.sync();
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
