package dev.quiesce.fs.fuse;

import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeTimeoutException;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.TargetFrozenException;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mount side of the control channel (PROTOCOL.md): a Unix-domain socket server, one
 * thread per connection, one hold per connection. Every F rule about a single hold is
 * decided by the filesystem's own {@link FreezeHandle}; this class adds what a socket
 * needs: the hold ends when its connection does, and a freeze whose connection drops is
 * interrupted and rolled back.
 */
final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    private static final long CLOSE_WAIT_SECONDS = 10;

    /** What UNMOUNT does: refuse while frozen, else commit and unmount, and return when done. */
    interface Unmounter {
        void unmount() throws IOException;
    }

    private final Path socket;
    private final Freezable target;
    private final Unmounter unmounter;
    private final ServerSocketChannel server;
    private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger unmountsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    ControlServer(Path socket, Freezable target, Unmounter unmounter) throws IOException {
        this.socket = socket;
        this.target = target;
        this.unmounter = unmounter;
        removeStaleSocket(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new MountException(socket.toString(), "cannot listen for freeze requests on " + socket, e);
        }
        acceptor = new Thread(this::accept, "dusk-control-accept " + socket.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A socket file nobody listens on is left by a killed mount: remove it; refuse a live one. */
    private static void removeStaleSocket(Path socket) throws IOException {
        if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Mounts.isSocket(socket)) {
            throw new MountException(socket.toString(), "the control socket path is taken by something that is not"
                    + " a socket; move it away");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            throw new MountException(socket.toString(), "another mount of this image is alive and listening on "
                    + socket);
        } catch (java.net.SocketException dead) {
            Files.delete(socket);
        }
    }

    Path socket() {
        return socket;
    }

    /** Whether {@code thread} (a kernel thread id) holds a freeze through this channel (F11). */
    boolean isHolderThread(long thread) {
        for (Connection c : connections.values()) {
            FreezeHandle h = c.handle;
            if (c.holderThread == thread && h != null && h.isHeld()) {
                return true;
            }
        }
        return false;
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                Connection c = new Connection(ids.incrementAndGet(), ch);
                connections.put(c.id, c);
                Thread t = new Thread(c, "dusk-control-" + c.id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "control socket " + socket + " stopped accepting", e);
                }
                return;
            }
        }
    }

    /** Ends every connection that holds or is taking a freeze, thawing its hold (unmount). */
    void releaseHolds() {
        for (Connection c : List.copyOf(connections.values())) {
            if (c.handle != null || c.freezing != null) {
                c.end();
            }
        }
    }

    /** Stops accepting connections and removes the socket file; open connections go on. */
    void stopListening() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing control socket " + socket, e);
        }
    }

    /**
     * Stops listening and ends every connection; waits (bounded) for the replies to
     * UNMOUNT requests that caused this close.
     */
    @Override
    public void close() {
        stopListening();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        while (unmountsInFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : List.copyOf(connections.values())) {
            c.end();
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client connection and the hold it may own. */
    private final class Connection implements Runnable {
        final long id;
        final SocketChannel ch;
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile FreezeHandle handle;
        volatile Thread freezing;
        volatile long holderThread = -1;
        volatile java.time.Duration freezeTimeout = FreezeRequest.DEFAULT_FREEZE_TIMEOUT;
        private final CountDownLatch freezeDone = new CountDownLatch(1);
        private boolean cancelled;

        Connection(long id, SocketChannel ch) {
            this.id = id;
            this.ch = ch;
        }

        private void reply(int type, ByteBuffer body) throws IOException {
            synchronized (ch) {
                ControlProtocol.send(ch, type, body);
            }
        }

        private void error(int kind, String message) throws IOException {
            reply(ControlProtocol.ERROR, ControlProtocol.error(kind, message));
        }

        @Override
        public void run() {
            try {
                reply(ControlProtocol.HELLO, ControlProtocol.hello(id, target.name()));
                while (true) {
                    serve(ControlProtocol.receive(ch));
                }
            } catch (EOFException | java.nio.channels.ClosedChannelException gone) {
                // The client closed: its hold (if any) ends with it.
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "control connection " + id + " failed", e);
            } finally {
                end();
            }
        }

        private void serve(ControlProtocol.Frame f) throws IOException {
            switch (f.type()) {
                case ControlProtocol.FREEZE:
                    startFreeze(ControlProtocol.freezeCall(f.body()));
                    break;
                case ControlProtocol.RENEW:
                    renew();
                    break;
                case ControlProtocol.THAW:
                    FreezeHandle h = held();
                    if (h != null) {
                        reply(ControlProtocol.THAW_RESULT, ControlProtocol.oneByte(h.thaw().ordinal()));
                    }
                    break;
                case ControlProtocol.STATUS:
                    FreezeHandle s = held();
                    if (s != null) {
                        reply(ControlProtocol.STATUS_REPLY, ControlProtocol.status(s.isHeld(), s.lapsed()));
                    }
                    break;
                case ControlProtocol.STATE:
                    reply(ControlProtocol.STATE_REPLY, ControlProtocol.oneByte(target.state().ordinal()));
                    break;
                case ControlProtocol.UNMOUNT:
                    unmount();
                    break;
                case ControlProtocol.AWAIT_CLOSED:
                    awaitClosed(f.body().getLong());
                    break;
                default:
                    error(ControlProtocol.E_PROTOCOL, "unknown request type " + f.type());
            }
        }

        private FreezeHandle held() throws IOException {
            FreezeHandle h = handle;
            if (h == null) {
                error(ControlProtocol.E_PROTOCOL, "this connection holds no freeze");
            }
            return h;
        }

        private void renew() throws IOException {
            FreezeHandle h = held();
            if (h == null) {
                return;
            }
            try {
                h.renew();
                reply(ControlProtocol.OK, ByteBuffer.allocate(0));
            } catch (LeaseLapsedException e) {
                error(ControlProtocol.E_LEASE_LAPSED, e.getMessage());
            } catch (AlreadyThawedException e) {
                error(ControlProtocol.E_ALREADY_THAWED, e.getMessage());
            }
        }

        private void unmount() throws IOException {
            unmountsInFlight.incrementAndGet();
            try {
                unmounter.unmount();
                reply(ControlProtocol.OK, ByteBuffer.allocate(0));
            } catch (TargetFrozenException e) {
                error(ControlProtocol.E_TARGET_FROZEN, e.getMessage());
            } catch (IOException e) {
                error(ControlProtocol.E_IO, String.valueOf(e.getMessage()));
            } finally {
                unmountsInFlight.decrementAndGet();
            }
        }

        private void awaitClosed(long other) throws IOException {
            Connection c = connections.get(other);
            if (c != null) {
                try {
                    c.ended.get(c.freezeTimeout.toSeconds() + CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    error(ControlProtocol.E_IO, "connection " + other + " did not end in time: " + e);
                    return;
                }
            }
            reply(ControlProtocol.OK, ByteBuffer.allocate(0));
        }

        private void startFreeze(ControlProtocol.FreezeCall call) throws IOException {
            synchronized (this) {
                if (handle != null || freezing != null || cancelled) {
                    error(ControlProtocol.E_PROTOCOL, "one freeze per connection; open another connection");
                    return;
                }
                holderThread = call.holderThread();
                freezeTimeout = call.timeout();
                freezing = new Thread(() -> freeze(call), "dusk-control-freeze-" + id);
                freezing.setDaemon(true);
                freezing.start();
            }
        }

        private void freeze(ControlProtocol.FreezeCall call) {
            try {
                FreezeHandle h;
                try {
                    h = target.freeze(new FreezeRequest(call.holder(), call.lease(), call.timeout()));
                } catch (FreezeTimeoutException e) {
                    error(ControlProtocol.E_TIMEOUT, e.getMessage());
                    return;
                } catch (FreezeException e) {
                    error(ControlProtocol.E_FREEZE, e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause()));
                    return;
                } catch (InterruptedException e) {
                    error(ControlProtocol.E_INTERRUPTED, "the freeze was interrupted and rolled back");
                    return;
                } catch (RuntimeException e) {
                    error(ControlProtocol.E_FREEZE, "freeze failed: " + e);
                    return;
                }
                synchronized (this) {
                    if (cancelled) {
                        h.thaw();
                        return;
                    }
                    handle = h;
                }
                reply(ControlProtocol.FROZEN, ControlProtocol.frozen(h.freezeDuration(), h.blockUsage()));
            } catch (IOException clientGone) {
                end();
            } finally {
                freezeDone.countDown();
            }
        }

        /** Ends the connection: interrupts a freeze in progress and thaws the hold. Idempotent. */
        void end() {
            Thread f;
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                f = freezing;
            }
            try {
                ch.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing control connection " + id, e);
            }
            if (f != null && f != Thread.currentThread()) {
                f.interrupt();
                try {
                    freezeDone.await(freezeTimeout.toSeconds() + CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            FreezeHandle h = handle;
            if (h != null) {
                h.thaw();
            }
            connections.remove(id);
            ended.complete(null);
        }
    }

}
