package dev.quiesce.fs.fuse;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.TargetFrozenException;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;
import dev.quiesce.tck.MutationStall;
import dev.quiesce.tck.StallingBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Freezable kit (SPEC.md F1-F16) against {@link MountedFreezable}: a real FUSE mount
 * in this JVM, frozen only through its control socket, mutated and read only through the
 * mount point (as any program would), on a recording device for F1/F2 and a stalling one
 * for F5/F6/F8.
 */
class MountedFreezableKitTest extends FreezableKit {
    private Path root;

    @BeforeAll
    void requireFuse() throws IOException {
        Shell.assumeFuse();
        root = Files.createTempDirectory("dusk-kit");
    }

    @AfterAll
    void removeScratch() throws IOException {
        if (root == null) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    protected FreezableSubject createSubject() throws Exception {
        return new Subject(Files.createTempDirectory(root, "subject"));
    }

    static final class Subject implements FreezableSubject {
        final Path dir;
        final RecordingBlockDevice recording;
        final StallingBlockDevice stalling;
        final FuseMount mount;
        final MountedFreezable target;

        Subject(Path dir) throws Exception {
            this.dir = dir;
            MemoryBlockDevice memory = new MemoryBlockDevice("kit", 4096, 4096);
            Dusk.format(memory);
            recording = new RecordingBlockDevice(memory);
            stalling = new StallingBlockDevice(recording);
            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            mount = FuseMount.mount(stalling, mnt, dir.resolve("kit.ctl"),
                    MountOptions.defaults().withCommitInterval(Duration.ofMillis(20)));
            for (int slot = 0; slot < slots(); slot++) {
                Files.write(slot(slot), new byte[8]);
            }
            target = MountedFreezable.of(mount.controlSocket());
        }

        Path slot(int slot) {
            return mount.mountPoint().resolve("slot" + slot);
        }

        @Override
        public Freezable target() {
            return target;
        }

        /** A write through the mount; EDEADLK (the holder's own thread, F11) is the typed refusal. */
        @Override
        public void mutate(int slot, long value) throws Exception {
            try (FileChannel ch = FileChannel.open(slot(slot), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(8).putLong(0, value), 0);
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("Resource deadlock avoided")) {
                    TargetFrozenException refused = new TargetFrozenException(target.name(),
                            "write from the thread holding the freeze refused by the mount (EDEADLK)");
                    refused.initCause(e);
                    throw refused;
                }
                throw e;
            }
        }

        @Override
        public long readBack(int slot) throws Exception {
            return ByteBuffer.wrap(Files.readAllBytes(slot(slot))).getLong();
        }

        @Override
        public void closeTarget() throws Exception {
            target.unmount();
        }

        @Override
        public Optional<DeviceWitness> witness() {
            return Optional.of(DeviceWitness.recording(recording));
        }

        @Override
        public Optional<MutationStall> stallNextMutation() {
            return Optional.of(stalling.stallNextWrite());
        }

        @Override
        public Optional<BlockDevice> device() {
            return Optional.of(recording);
        }

        @Override
        public OptionalLong readBackFrom(BlockDevice image, int slot) throws Exception {
            try (Dusk snap = Dusk.mount(image, DuskOptions.defaults().withReadOnly(true))) {
                return OptionalLong.of(ByteBuffer.wrap(snap.readFile("/slot" + slot)).getLong());
            }
        }

        @Override
        public void close() throws Exception {
            try {
                mount.close();
            } finally {
                if (Mounts.at(mount.mountPoint()).isPresent()) {
                    Mounts.unmount(mount.mountPoint(), true); // a failed rule must not leave a mount behind
                }
                stalling.close();
            }
        }
    }
}
