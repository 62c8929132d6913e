package dev.quiesce.core.device;

import dev.quiesce.core.freeze.FreezeHolds;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A block device that is itself {@link Freezable}, like device-mapper suspend: the
 * block-level gate under any filesystem.
 *
 * <p>Freezing closes a gate in front of writes and flushes, waits for those in flight to
 * finish, then flushes the device underneath (SPEC.md F1). While frozen, writes from
 * other threads wait at the gate and go on after the last thaw (F2, F16); a write from a
 * thread that holds the freeze fails at once with {@link TargetFrozenException} (F11);
 * a flush returns at once, since the freeze already made everything durable; reads pass
 * straight through (F10). Closing while frozen is refused (F13). A freeze that cannot
 * drain in time reopens the gate and fails with {@link FreezeTimeoutException} (F5, F6).
 * Holds, leases and the thaw races are {@link FreezeHolds}'s (F3, F4, F7, F8, F9, F14).
 *
 * <p>It reports every block as in use (F15): a device does not know which blocks the
 * layer above needs, and saying "all" is the only truthful bitmap it can give. Above
 * {@value #MAX_USAGE_BLOCKS} blocks it reports none rather than hold a bitmap that large.
 */
public final class BlockFreezeDevice implements BlockDevice, Freezable {
    static final long MAX_USAGE_BLOCKS = 1L << 27;
    private final BlockDevice device;
    private final FreezeHolds holds;
    private final ReentrantLock gateLock = new ReentrantLock();
    private final Condition changed = gateLock.newCondition();
    private boolean gateClosed;
    private int inFlight;
    private boolean closed;
    private volatile Optional<BlockUsage> allUsed;

    public BlockFreezeDevice(BlockDevice device) {
        this.device = Objects.requireNonNull(device, "device");
        this.holds = new FreezeHolds(device.name(), new Gate());
    }

    /** The device underneath. Writing to it directly bypasses the freeze. */
    public BlockDevice device() {
        return device;
    }

    @Override public String name() { return device.name(); }
    @Override public int blockSize() { return device.blockSize(); }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        return holds.freeze(request);
    }

    @Override
    public FreezeState state() {
        return holds.state();
    }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        device.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        BlockDevice.checkTransfer(this, block, src);
        enter(block);
        try {
            device.write(block, src);
        } finally {
            leave();
        }
    }

    @Override
    public void flush() throws IOException {
        gateLock.lock();
        try {
            checkOpen();
            if (gateClosed) {
                // Frozen or freezing: the freeze itself flushes after the last write it let
                // through, and nothing else can be written until the thaw.
                return;
            }
            inFlight++;
        } finally {
            gateLock.unlock();
        }
        try {
            device.flush();
        } finally {
            leave();
        }
    }

    private void enter(long block) throws IOException {
        gateLock.lock();
        try {
            while (true) {
                checkOpen();
                if (!gateClosed) {
                    inFlight++;
                    return;
                }
                if (holds.frozenByCurrentThread()) {
                    throw new TargetFrozenException(name(), "write to block " + block
                            + " from the thread that holds the freeze would wait for itself; thaw first");
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException(name()
                    + ": interrupted while a write to block " + block + " waited for the thaw");
            io.initCause(e);
            throw io;
        } finally {
            gateLock.unlock();
        }
    }

    private void leave() {
        gateLock.lock();
        try {
            if (--inFlight == 0) {
                changed.signalAll();
            }
        } finally {
            gateLock.unlock();
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(name() + ": device is closed");
        }
    }

    @Override
    public void close() throws IOException {
        gateLock.lock();
        try {
            if (closed) {
                return;
            }
            if (gateClosed || holds.holders() > 0) {
                throw new TargetFrozenException(name(), "cannot close while frozen ("
                        + holds.holders() + " holders); thaw first");
            }
            closed = true;
            changed.signalAll();
        } finally {
            gateLock.unlock();
        }
        device.close();
    }

    @Override
    public String toString() {
        return "BlockFreezeDevice[" + device.name() + ", " + holds.state() + "]";
    }

    /** The real freeze and thaw, called by {@link FreezeHolds} under its lock. */
    private final class Gate implements FreezeHolds.Target {
        @Override
        public Optional<BlockUsage> freeze(Duration timeout) throws FreezeException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            gateLock.lock();
            try {
                if (closed) {
                    throw new FreezeException(name(), "device is closed");
                }
                gateClosed = true;
                while (inFlight > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new FreezeTimeoutException(name(), timeout);
                    }
                    changed.awaitNanos(left);
                }
            } catch (FreezeException | InterruptedException | RuntimeException e) {
                reopenLocked();
                throw e;
            } finally {
                gateLock.unlock();
            }
            try {
                device.flush();
            } catch (IOException | RuntimeException e) {
                reopen();
                throw new FreezeException(name(), "flush during freeze failed; left thawed", e);
            }
            return allUsed();
        }

        @Override
        public void thaw() {
            reopen();
        }
    }

    private Optional<BlockUsage> allUsed() {
        Optional<BlockUsage> usage = allUsed;
        if (usage == null) {
            usage = device.blockCount() > MAX_USAGE_BLOCKS ? Optional.empty()
                    : Optional.of(BlockUsage.allUsed(device.blockSize(), device.blockCount()));
            allUsed = usage;
        }
        return usage;
    }

    private void reopen() {
        gateLock.lock();
        try {
            reopenLocked();
        } finally {
            gateLock.unlock();
        }
    }

    private void reopenLocked() {
        gateClosed = false;
        changed.signalAll();
    }
}
