package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.FreezeState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Random operations against Dusk and {@link FsModel} side by side: every operation's
 * outcome must match the model's and the paths it touched must look the same, the whole
 * tree is compared every thousand steps,
 * and the filesystem is unmounted, checked and mounted again every few thousand.
 */
class DifferentialTest {
    /** 100,000 by default; -Dquiesce.stress.iterations scales it (ten operations per iteration). */
    static final int OPS = Integer.getInteger("quiesce.differential.ops",
            10 * Integer.getInteger("quiesce.stress.iterations", 10_000));

    @Test
    void randomOperationsMatchTheModelAcrossRemounts() throws Exception {
        long seed = Long.getLong("quiesce.seed", 20261201L);
        MemoryBlockDevice dev = new MemoryBlockDevice("diff", 512, 16384);
        Dusk.format(dev);
        DuskOptions options = DuskOptions.defaults().withCommitInterval(Duration.ofMillis(50))
                .withDirtyLimitBytes(256 << 10).withRollupEvery(5).withWritebackBytes(16 << 10);
        FsModel model = new FsModel();
        FsModel.Workload work = new FsModel.Workload(seed, 3000);
        Dusk fs = Dusk.mount(dev, options);
        String last = "";
        try {
            for (int i = 1; i <= OPS; i++) {
                last = work.step(fs, model);
                if (i % 7 == 0) {
                    fs.volume().commit.writeBackAndWait();
                }
                if (i % 997 == 0) {
                    fs.sync();
                }
                if (i % 1000 == 0) {
                    model.assertSame(fs, "seed " + seed + " step " + i + " after " + last);
                }
                if (i % 5000 == 0) {
                    fs.close();
                    FsckReport r = Dusk.fsck(dev);
                    assertTrue(r.isClean(), "seed " + seed + " step " + i + ": " + r);
                    fs = Dusk.mount(dev, options);
                    model.assertSame(fs, "seed " + seed + " after remount at step " + i);
                }
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + ", last step " + last + ": " + e.getMessage(), e);
        } finally {
            if (fs.state() == FreezeState.THAWED) {
                fs.close();
            }
        }
        assertTrue(Dusk.fsck(dev).isClean());
    }
}
