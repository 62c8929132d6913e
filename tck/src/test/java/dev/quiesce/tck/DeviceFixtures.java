package dev.quiesce.tck;

import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import java.util.List;
import java.util.Optional;

/**
 * Broken {@link BlockDevice}s run through {@link BlockDeviceKit} by {@link KitSelfTest};
 * each nested class is named after the rule its flaw must fail. They sit on a
 * crash-simulating device, so D3 can see what a flush made durable.
 */
final class DeviceFixtures {
    private DeviceFixtures() {
    }

    static final List<Class<? extends BlockDeviceKit>> ALL = List.of(
            D1_sizeChangesAfterFlush.class,
            D2_writesBeforeChecking.class,
            D3_flushDropped.class,
            D4_staleReadCache.class,
            D5_viewPassesWrites.class,
            D6_sharedScratch.class);

    abstract static class Flawed extends BlockDeviceKit {
        private final FlawedDevice.Flaw flaw;
        private CrashSimulatingBlockDevice crash;

        Flawed(FlawedDevice.Flaw flaw) {
            this.flaw = flaw;
        }

        @Override
        protected BlockDevice createDevice() {
            crash = new CrashSimulatingBlockDevice("crash-sim", 512, 32);
            return new FlawedDevice(crash, flaw);
        }

        @Override
        protected Optional<BlockDevice> durableImage(BlockDevice device) throws Exception {
            return Optional.of(crash.durableImage());
        }

        @Override
        protected String subjectName() {
            return "fixture-" + getClass().getSimpleName();
        }
    }

    /** The device without a flaw: it must pass every rule. */
    static final class Flawless extends Flawed {
        Flawless() {
            super(FlawedDevice.Flaw.NONE);
        }
    }

    /** D1_SIZE_CHANGES_AFTER_FLUSH. */
    static final class D1_sizeChangesAfterFlush extends Flawed {
        D1_sizeChangesAfterFlush() {
            super(FlawedDevice.Flaw.D1_SIZE_CHANGES_AFTER_FLUSH);
        }
    }

    /** D2_WRITES_BEFORE_CHECKING. */
    static final class D2_writesBeforeChecking extends Flawed {
        D2_writesBeforeChecking() {
            super(FlawedDevice.Flaw.D2_WRITES_BEFORE_CHECKING);
        }
    }

    /** D3_FLUSH_DROPPED. */
    static final class D3_flushDropped extends Flawed {
        D3_flushDropped() {
            super(FlawedDevice.Flaw.D3_FLUSH_DROPPED);
        }
    }

    /** D4_STALE_READ_CACHE. */
    static final class D4_staleReadCache extends Flawed {
        D4_staleReadCache() {
            super(FlawedDevice.Flaw.D4_STALE_READ_CACHE);
        }
    }

    /** D5_VIEW_PASSES_WRITES. */
    static final class D5_viewPassesWrites extends Flawed {
        D5_viewPassesWrites() {
            super(FlawedDevice.Flaw.D5_VIEW_PASSES_WRITES);
        }
    }

    /** D6_SHARED_SCRATCH. */
    static final class D6_sharedScratch extends Flawed {
        D6_sharedScratch() {
            super(FlawedDevice.Flaw.D6_SHARED_SCRATCH);
        }
    }
}
