package dev.quiesce.fs.fuse;

import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.TargetFrozenException;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Freezable} for a Dusk image mounted through FUSE, reached over the mount's
 * control socket (PROTOCOL.md). The kernel cannot freeze a FUSE mount (FIFREEZE answers
 * EOPNOTSUPP); this freezes the filesystem inside the mount process, with every F rule
 * of SPEC.md:
 * <ul>
 *   <li>F1, F2, F5, F6, F7, F10, F12, F15, F16: decided by the mounted filesystem itself;
 *       a freeze that is interrupted here is rolled back there before {@link #freeze}
 *       throws (F6).</li>
 *   <li>F3, F4, F8, F9, F14: each {@link FreezeHandle} is one connection and one hold of
 *       the mount; {@code renew()} is the heartbeat over that connection; the hold ends
 *       when the connection does, so it never outlives the process that took it.</li>
 *   <li>F11: the freezing thread's kernel id travels with the request; a write through
 *       the mount from that thread fails with EDEADLK ("Resource deadlock avoided")
 *       instead of waiting for its own thaw.</li>
 *   <li>F13: {@link #unmount()} of a frozen mount is refused with
 *       {@link TargetFrozenException}.</li>
 * </ul>
 * Every wait is bounded: a freeze by its timeout plus {@link ControlClient#REPLY_BOUND},
 * anything else by {@code REPLY_BOUND}.
 */
public final class MountedFreezable implements Freezable {
    private final Path socket;
    private final String name;

    private MountedFreezable(Path socket, String name) {
        this.socket = socket;
        this.name = name;
    }

    /**
     * The mount at {@code mountPointOrSocket}: a mount point of a Dusk FUSE mount, or its
     * control socket.
     */
    public static MountedFreezable of(Path mountPointOrSocket) throws IOException {
        Objects.requireNonNull(mountPointOrSocket, "mountPointOrSocket");
        Path socket = Files.isDirectory(mountPointOrSocket)
                ? FuseMount.controlSocketOf(mountPointOrSocket)
                : mountPointOrSocket;
        return new MountedFreezable(socket, "dusk mount (" + socket + ")");
    }

    /** The control socket this talks to. */
    public Path socket() {
        return socket;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before freezing " + name);
        }
        ControlClient c;
        try {
            c = ControlClient.connect(socket);
        } catch (ClosedByInterruptException e) {
            Thread.interrupted();
            throw interrupted(null);
        } catch (IOException e) {
            throw new FreezeException(name, "cannot reach the mount", e);
        }
        boolean keep = false;
        try {
            ControlProtocol.Frame f = c.call(ControlProtocol.FREEZE, ControlProtocol.freeze(request.holder(),
                    request.lease(), request.freezeTimeout(), currentThreadId()),
                    request.freezeTimeout().plus(ControlClient.REPLY_BOUND));
            if (f.type() == ControlProtocol.FROZEN) {
                ControlProtocol.Frozen frozen = ControlProtocol.frozen(f.body());
                keep = true;
                return new RemoteFreezeHandle(c, name, request.holder(), request.lease(), frozen);
            }
            throw failure(f, request.freezeTimeout());
        } catch (ClosedByInterruptException e) {
            Thread.interrupted();
            throw interrupted(c);
        } catch (IOException e) {
            throw new FreezeException(name, "the control channel failed while freezing; the mount rolls back a"
                    + " freeze whose connection drops", e);
        } finally {
            if (!keep) {
                c.close();
            }
        }
    }

    /** Waits until the mount has rolled back the cut connection's freeze, then reports the interrupt (F6). */
    private InterruptedException interrupted(ControlClient cut) {
        String detail = "";
        if (cut != null) {
            try (ControlClient c = ControlClient.connect(socket)) {
                ControlProtocol.Frame f = c.call(ControlProtocol.AWAIT_CLOSED,
                        ControlProtocol.longValue(cut.connection), ControlClient.REPLY_BOUND.multipliedBy(3));
                if (f.type() != ControlProtocol.OK) {
                    detail = "; the mount said: " + f.string();
                }
            } catch (IOException e) {
                detail = "; could not confirm the rollback: " + e;
            }
        }
        Thread.currentThread().interrupt();
        return new InterruptedException("interrupted while freezing " + name + "; the freeze was rolled back" + detail);
    }

    private FreezeException failure(ControlProtocol.Frame f, Duration timeout) {
        if (f.type() != ControlProtocol.ERROR) {
            return new FreezeException(name, "unexpected reply type " + f.type() + " to FREEZE");
        }
        int kind = f.body().get() & 0xFF;
        String message = ControlProtocol.getString(f.body());
        if (kind == ControlProtocol.E_TIMEOUT) {
            return new FreezeTimeoutException(name, timeout);
        }
        return new FreezeException(name, message);
    }

    @Override
    public FreezeState state() {
        try (ControlClient c = ControlClient.connect(socket)) {
            ControlProtocol.Frame f = c.call(ControlProtocol.STATE);
            if (f.type() != ControlProtocol.STATE_REPLY) {
                throw new IllegalStateException(name + ": unexpected reply type " + f.type() + " to STATE");
            }
            return FreezeState.values()[f.body().get()];
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(name + ": cannot ask the mount for its state", e);
        }
    }

    /**
     * Asks the mount to commit and unmount; returns when it has. Refused while frozen (F13).
     *
     * @throws TargetFrozenException if a freeze holds the mount
     * @throws MountException if no mount answers or the unmount failed
     */
    public void unmount() throws IOException {
        try (ControlClient c = ControlClient.connect(socket)) {
            ControlProtocol.Frame f = c.call(ControlProtocol.UNMOUNT, java.nio.ByteBuffer.allocate(0),
                    ControlClient.REPLY_BOUND.multipliedBy(4));
            if (f.type() == ControlProtocol.OK) {
                return;
            }
            int kind = f.type() == ControlProtocol.ERROR ? f.body().get() & 0xFF : -1;
            String message = kind < 0 ? "unexpected reply " + f.type() : ControlProtocol.getString(f.body());
            if (kind == ControlProtocol.E_TARGET_FROZEN) {
                throw new TargetFrozenException(name, message);
            }
            throw new MountException(socket.toString(), "unmount failed: " + message);
        }
    }

    /** The kernel id of the calling thread (what FUSE reports as the caller's pid), or -1. */
    static long currentThreadId() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
