package dev.quiesce.fs.fuse;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection to a mount's control socket, with every wait bounded: a watchdog
 * closes the channel when an answer takes longer than its bound, which turns the blocked
 * read into an {@link java.nio.channels.AsynchronousCloseException}.
 */
final class ControlClient implements AutoCloseable {
    static final Duration REPLY_BOUND = Duration.ofSeconds(30);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dusk-control-watchdog");
        t.setDaemon(true);
        return t;
    });

    final SocketChannel ch;
    final long connection;
    final String targetName;

    private ControlClient(SocketChannel ch, long connection, String targetName) {
        this.ch = ch;
        this.connection = connection;
        this.targetName = targetName;
    }

    static ControlClient connect(Path socket) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (java.net.SocketException e) {
            throw new MountException(socket.toString(), "no mount answers on control socket " + socket
                    + " (not mounted, or the mount process died)", e);
        }
        try {
            ControlProtocol.Frame hello = within(ch, REPLY_BOUND);
            if (hello.type() != ControlProtocol.HELLO) {
                throw new java.net.ProtocolException("expected HELLO from " + socket + ", got type " + hello.type());
            }
            long id = hello.body().getLong();
            return new ControlClient(ch, id, ControlProtocol.getString(hello.body()));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Sends a request and waits (bounded) for its answer. */
    ControlProtocol.Frame call(int type, java.nio.ByteBuffer body, Duration bound) throws IOException {
        ControlProtocol.send(ch, type, body);
        return within(ch, bound);
    }

    ControlProtocol.Frame call(int type) throws IOException {
        return call(type, java.nio.ByteBuffer.allocate(0), REPLY_BOUND);
    }

    private static ControlProtocol.Frame within(SocketChannel ch, Duration bound) throws IOException {
        ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing is the alarm itself; nothing more to do if it fails.
            }
        }, bound.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return ControlProtocol.receive(ch);
        } catch (java.nio.channels.AsynchronousCloseException e) {
            if (e instanceof java.nio.channels.ClosedByInterruptException) {
                throw e;
            }
            throw new java.net.SocketTimeoutException("no answer on the control channel within " + bound);
        } finally {
            dog.cancel(false);
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // A failed close of a socket leaves nothing to release.
        }
    }
}
