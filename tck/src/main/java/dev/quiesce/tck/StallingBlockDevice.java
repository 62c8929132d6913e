package dev.quiesce.tck;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A pass-through device whose next write can be held in flight: put it under a target
 * and return {@link #stallNextWrite()} from {@link FreezableSubject#stallNextMutation()}.
 * A stalled write waits at most {@link #MAX_STALL} and then goes on, so a forgotten stall
 * cannot hang a build.
 */
public final class StallingBlockDevice implements BlockDevice {
    /** The longest a write is ever held. */
    public static final Duration MAX_STALL = Duration.ofSeconds(60);

    private final BlockDevice device;
    private final AtomicReference<Stall> armed = new AtomicReference<>();

    public StallingBlockDevice(BlockDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    /** Arms a stall for the next write to reach this device. */
    public MutationStall stallNextWrite() {
        Stall stall = new Stall();
        armed.set(stall);
        return stall;
    }

    @Override public int blockSize() { return device.blockSize(); }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }
    @Override public String name() { return device.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        device.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        Stall stall = armed.getAndSet(null);
        if (stall != null) {
            stall.hold();
        }
        device.write(block, src);
    }

    @Override
    public void flush() throws IOException {
        device.flush();
    }

    @Override
    public void close() throws IOException {
        Stall stall = armed.getAndSet(null);
        if (stall != null) {
            stall.close();
        }
        device.close();
    }

    private final class Stall implements MutationStall {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        void hold() throws IOException {
            arrived.countDown();
            try {
                released.await(MAX_STALL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(name() + ": interrupted in a stalled write");
            }
        }

        @Override
        public boolean awaitStalled(Duration timeout) throws InterruptedException {
            return arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void close() {
            armed.compareAndSet(this, null);
            released.countDown();
        }
    }
}
