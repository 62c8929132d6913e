package dev.quiesce.tck.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;
import dev.quiesce.tck.MutationStall;
import dev.quiesce.tck.Rule;
import dev.quiesce.tck.StallingBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The kit used the way a vendor uses it, from another package and through public API
 * only: every lifecycle method of the kit must still run (the report proves it), and the
 * capability hook must turn a rule into NOT_APPLICABLE.
 */
class VendorStyleFreezableTest extends FreezableKit {

    @Override
    protected FreezableSubject createSubject() {
        MemoryBlockDevice memory = new MemoryBlockDevice("vendor", 512, 16);
        StallingBlockDevice stalling = new StallingBlockDevice(memory);
        RecordingBlockDevice recording = new RecordingBlockDevice(stalling);
        BlockFreezeDevice device = new BlockFreezeDevice(recording);
        return new FreezableSubject() {
            @Override public Freezable target() { return device; }

            @Override
            public void mutate(int slot, long value) throws IOException {
                device.write(slot, ByteBuffer.allocate(512).putLong(0, value));
            }

            @Override
            public long readBack(int slot) throws IOException {
                ByteBuffer b = ByteBuffer.allocate(512);
                device.read(slot, b);
                return b.getLong(0);
            }

            @Override public void closeTarget() throws IOException { device.close(); }
            @Override public Optional<DeviceWitness> witness() { return Optional.of(DeviceWitness.recording(recording)); }
            @Override public Optional<MutationStall> stallNextMutation() { return Optional.of(stalling.stallNextWrite()); }
            @Override public Optional<BlockDevice> device() { return Optional.of(recording); }
            @Override public void close() throws IOException { stalling.close(); }
        };
    }

    @Override
    protected Optional<String> notApplicable(Rule rule) {
        return rule == Rule.F14 ? Optional.of("declared not applicable by the example, to show the hook") : Optional.empty();
    }

    @Override
    protected int stressIterations() {
        return Math.min(super.stressIterations(), 200);
    }

    @Override
    protected String subjectName() {
        return "example-vendor";
    }

    @Test
    void theKitsOwnTestsAreInherited() throws NoSuchMethodException {
        assertEquals(FreezableKit.class, getClass().getMethod("F3_concurrentThawsReleaseOnce").getDeclaringClass());
    }
}
