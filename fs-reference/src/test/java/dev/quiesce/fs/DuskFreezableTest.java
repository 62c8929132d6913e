package dev.quiesce.fs;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;
import dev.quiesce.tck.MutationStall;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Dusk against the Freezable conformance kit (SPEC.md F1-F16), on a recording device. */
class DuskFreezableTest extends FreezableKit {

    @Override
    protected FreezableSubject createSubject() throws Exception {
        return new Subject();
    }

    static final class Subject implements FreezableSubject {
        final RecordingBlockDevice device;
        final Dusk fs;

        Subject() throws Exception {
            MemoryBlockDevice memory = new MemoryBlockDevice("kit", 4096, 4096);
            Dusk.format(memory);
            device = new RecordingBlockDevice(memory);
            fs = Dusk.mount(device, DuskOptions.defaults().withCommitInterval(Duration.ofMillis(20)));
            for (int slot = 0; slot < slots(); slot++) {
                fs.writeFile("/slot" + slot, new byte[8]);
            }
            fs.sync();
        }

        @Override
        public Freezable target() {
            return fs;
        }

        @Override
        public void mutate(int slot, long value) throws Exception {
            try (DuskFile f = fs.open("/slot" + slot)) {
                f.write(0, ByteBuffer.allocate(8).putLong(0, value));
            }
        }

        @Override
        public long readBack(int slot) throws Exception {
            return ByteBuffer.wrap(fs.readFile("/slot" + slot)).getLong();
        }

        static long readFrom(Dusk mounted, int slot) throws Exception {
            return ByteBuffer.wrap(mounted.readFile("/slot" + slot)).getLong();
        }

        @Override
        public void closeTarget() throws Exception {
            fs.close();
        }

        @Override
        public Optional<DeviceWitness> witness() {
            return Optional.of(DeviceWitness.recording(device));
        }

        @Override
        public Optional<MutationStall> stallNextMutation() {
            CountDownLatch arrived = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Volume v = fs.volume();
            v.inFlightHook = () -> {
                v.inFlightHook = null;
                arrived.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            return Optional.of(new MutationStall() {
                @Override
                public boolean awaitStalled(Duration timeout) throws InterruptedException {
                    return arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }

                @Override
                public void close() {
                    v.inFlightHook = null;
                    release.countDown();
                }
            });
        }

        @Override
        public Optional<BlockDevice> device() {
            return Optional.of(device);
        }

        @Override
        public OptionalLong readBackFrom(BlockDevice image, int slot) throws Exception {
            try (Dusk snap = Dusk.mount(image, DuskOptions.defaults().withReadOnly(true))) {
                return OptionalLong.of(readFrom(snap, slot));
            }
        }

        @Override
        public void close() throws Exception {
            if (fs.state() == FreezeState.THAWED) {
                fs.close();
            }
        }
    }
}
