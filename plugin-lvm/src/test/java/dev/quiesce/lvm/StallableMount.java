package dev.quiesce.lvm;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import dev.quiesce.tck.DeviceWitness;
import dev.quiesce.tck.FreezableSubject;
import dev.quiesce.tck.MutationStall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link FreezableSubject} over a real ext4 whose device can be made to stop
 * completing writes: the inner ext4 lives on a loop device whose backing file sits in
 * an outer loop-mounted ext4. Freezing the outer filesystem (with fsfreeze, behind the
 * library's back) holds every write of the inner device in flight, which is how a real
 * freeze meets a device that does not drain (F5, F6, F8).
 *
 * <p>A slot is a file holding one 8-byte value. A mutation writes it without fsync, so it
 * reaches the page cache and waits only for a freeze; the mutation a stall holds also
 * fsyncs, so it waits for the device.
 */
final class StallableMount implements FreezableSubject {
    private final LoopFilesystem outer;
    private final Path innerImage;
    private final Path innerMount;
    private final String innerLoop;
    private final MountedFilesystem target;
    private volatile Stall armed;
    private boolean unmounted;
    private BlockDevice image;

    private StallableMount(LoopFilesystem outer, Path innerImage, Path innerMount, String innerLoop)
            throws IOException {
        this.outer = outer;
        this.innerImage = innerImage;
        this.innerMount = innerMount;
        this.innerLoop = innerLoop;
        this.target = MountedFilesystem.at(innerMount);
    }

    static StallableMount create() throws Exception {
        LoopFilesystem outer = LoopFilesystem.create("ext4", 64);
        try {
            Path image = outer.mountPoint().resolve("inner.img");
            Commands.check("truncate", "-s", "16M", image.toString());
            Commands.check("mkfs.ext4", "-q", "-F", "-b", "4096", image.toString());
            String loop = Commands.check("losetup", "--find", "--show", image.toString());
            Path mount = Files.createTempDirectory("quiesce-inner-");
            Commands.Result mounted = Commands.run("mount", "-t", "ext4", loop, mount.toString());
            if (!mounted.ok()) {
                Commands.run("losetup", "-d", loop);
                throw new IOException("mount of the inner ext4 failed: " + mounted.output());
            }
            return new StallableMount(outer, image, mount, loop);
        } catch (Exception e) {
            outer.close();
            throw e;
        }
    }

    @Override
    public Freezable target() {
        return target;
    }

    @Override
    public void mutate(int slot, long value) throws Exception {
        target.checkMutationAllowed();
        Stall stall = armed;
        boolean held = stall != null && stall.take();
        try (FileChannel channel = FileChannel.open(slot(slot), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).putLong(0, value), 0);
            if (held) {
                stall.inFlight.set(true);
                channel.force(true);
            }
        }
    }

    @Override
    public long readBack(int slot) throws Exception {
        try {
            byte[] bytes = Files.readAllBytes(slot(slot));
            return bytes.length < 8 ? 0 : ByteBuffer.wrap(bytes).getLong(0);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    @Override
    public void closeTarget() throws Exception {
        target.unmount();
        unmounted = true;
    }

    @Override
    public Optional<DeviceWitness> witness() {
        return Optional.of(DeviceWitness.fileContents(innerImage));
    }

    @Override
    public synchronized Optional<BlockDevice> device() {
        try {
            if (image == null) {
                image = FileBlockDevice.open(innerImage, 4096, true);
            }
            return Optional.of(image);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Mounts a copy of {@code image} read-only through a loop device and reads the slot there. */
    @Override
    public OptionalLong readBackFrom(BlockDevice image, int slot) throws Exception {
        Path copy = Files.createTempFile("quiesce-usage-image-", ".img");
        Path mount = Files.createTempDirectory("quiesce-usage-mnt-");
        try {
            try (FileBlockDevice out = FileBlockDevice.create(copy, image.blockSize(), image.blockCount(), true)) {
                ByteBuffer buffer = ByteBuffer.allocate(image.blockSize() * 256);
                for (long b = 0; b < image.blockCount(); b += 256) {
                    int n = (int) Math.min(256, image.blockCount() - b);
                    buffer.clear().limit(n * image.blockSize());
                    image.read(b, buffer);
                    buffer.flip();
                    out.write(b, buffer);
                }
                out.flush();
            }
            Commands.check("mount", "-o", "ro,noload,loop", copy.toString(), mount.toString());
            try {
                Path file = mount.resolve("slot" + slot);
                if (!Files.exists(file)) {
                    return OptionalLong.of(0);
                }
                byte[] bytes = Files.readAllBytes(file);
                return OptionalLong.of(bytes.length < 8 ? 0 : ByteBuffer.wrap(bytes).getLong(0));
            } finally {
                Commands.run("umount", mount.toString());
            }
        } finally {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(mount);
        }
    }

    @Override
    public Optional<MutationStall> stallNextMutation() throws Exception {
        Stall stall = new Stall();
        Commands.check("fsfreeze", "-f", outer.mountPoint().toString());
        armed = stall;
        return Optional.of(stall);
    }

    private Path slot(int slot) {
        return innerMount.resolve("slot" + slot);
    }

    @Override
    public void close() throws Exception {
        if (image != null) {
            image.close();
        }
        Stall stall = armed;
        if (stall != null) {
            stall.close();
        }
        Commands.run("fsfreeze", "-u", innerMount.toString());
        if (!unmounted && !Commands.run("umount", innerMount.toString()).ok()) {
            Commands.run("umount", "-l", innerMount.toString());
        }
        Commands.run("losetup", "-d", innerLoop);
        Files.deleteIfExists(innerMount);
        outer.close();
    }

    /** The outer filesystem frozen: the inner device's writes wait until {@link #close}. */
    private final class Stall implements MutationStall {
        private final AtomicBoolean taken = new AtomicBoolean();
        private final AtomicBoolean inFlight = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        boolean take() {
            return !closed.get() && taken.compareAndSet(false, true);
        }

        @Override
        public boolean awaitStalled(Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (!inFlight.get()) {
                if (System.nanoTime() > end) {
                    return false;
                }
                Thread.sleep(5);
            }
            // The fsync has started; give it a moment to reach the device that holds it.
            Thread.sleep(100);
            return true;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                armed = null;
                try {
                    Commands.check("fsfreeze", "-u", outer.mountPoint().toString());
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("cannot thaw the outer filesystem " + outer, e);
                }
            }
        }
    }
}
