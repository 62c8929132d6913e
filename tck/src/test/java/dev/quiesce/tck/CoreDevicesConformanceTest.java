package dev.quiesce.tck;

import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Nested;

/** Every block device in the core against the D rules, each with its own report. */
class CoreDevicesConformanceTest {

    @Nested
    class Memory extends BlockDeviceKit {
        @Override protected BlockDevice createDevice() { return new MemoryBlockDevice("memory", 512, 64); }
        @Override protected Optional<BlockDevice> durableImage(BlockDevice d) { return Optional.of(d); }
        @Override protected String subjectName() { return "MemoryBlockDevice"; }
    }

    @Nested
    class File extends BlockDeviceKit {
        @Override
        protected BlockDevice createDevice() throws Exception {
            Path file = Files.createTempFile("quiesce-kit", ".img");
            file.toFile().deleteOnExit();
            return FileBlockDevice.create(file, 4096, 32, true);
        }

        @Override
        protected Optional<BlockDevice> durableImage(BlockDevice d) throws Exception {
            return Optional.of(FileBlockDevice.open(((FileBlockDevice) d).path(), d.blockSize(), true));
        }

        @Override protected String subjectName() { return "FileBlockDevice"; }
    }

    @Nested
    class CrashSimulating extends BlockDeviceKit {
        @Override protected BlockDevice createDevice() { return new CrashSimulatingBlockDevice("crash", 512, 64); }

        @Override
        protected Optional<BlockDevice> durableImage(BlockDevice d) throws Exception {
            return Optional.of(((CrashSimulatingBlockDevice) d).durableImage());
        }

        @Override protected String subjectName() { return "CrashSimulatingBlockDevice"; }
    }

    @Nested
    class Recording extends BlockDeviceKit {
        @Override
        protected BlockDevice createDevice() {
            return new RecordingBlockDevice(new CrashSimulatingBlockDevice("recorded", 512, 64));
        }

        @Override
        protected Optional<BlockDevice> durableImage(BlockDevice d) throws Exception {
            return Optional.of(((CrashSimulatingBlockDevice) ((RecordingBlockDevice) d).device()).durableImage());
        }

        @Override protected String subjectName() { return "RecordingBlockDevice"; }
    }

    @Nested
    class BlockFreeze extends BlockDeviceKit {
        @Override
        protected BlockDevice createDevice() {
            return new BlockFreezeDevice(new CrashSimulatingBlockDevice("freezable", 512, 64));
        }

        @Override
        protected Optional<BlockDevice> durableImage(BlockDevice d) throws Exception {
            return Optional.of(((CrashSimulatingBlockDevice) ((BlockFreezeDevice) d).device()).durableImage());
        }

        @Override protected String subjectName() { return "BlockFreezeDevice-as-device"; }
    }
}
