package dev.quiesce.fs;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Device flushes nobody waits for. After a large write the committer has put hundreds of
 * megabytes on the device that a flush has yet to make durable; if the fsync at the end
 * had to flush all of them, the device would sit idle while the front end copied and the
 * committer wrote, and then the fsync would wait for all of it. So once a dirty limit's
 * worth of data has gone out, the committer asks this thread to flush and goes on
 * writing: the device drains while the writing continues, and the fsync's own flush
 * finds only the last stretch still to do.
 *
 * <p>Such a flush commits nothing (the data lies in blocks no committed superblock
 * names) and orders nothing the committer relies on: every commit still does its own
 * flush. D6 lets it run alongside the committer's writes; D3 makes durable only what
 * completed before it started, which is all it is for. A failed flush is kept and
 * reported by the committer at its next request, since the device then cannot be
 * trusted with the commit either.
 */
final class BackgroundFlush implements Runnable {
    private final BlockDevice device;
    private final Thread thread;
    private boolean asked;
    private boolean running;
    private boolean stopping;
    private IOException failure;

    BackgroundFlush(BlockDevice device, String name) {
        this.device = device;
        this.thread = new Thread(this, "dusk-flusher " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks for a flush unless one is waiting or running; throws a failure of an earlier one. */
    synchronized void request() throws IOException {
        check();
        if (!running) {
            asked = true;
            notifyAll();
        }
    }

    /** Throws if a background flush failed: data it was to make durable may be lost. */
    synchronized void check() throws IOException {
        if (failure != null) {
            throw new IOException(device.name() + ": a background flush failed", failure);
        }
    }

    /** Stops the thread after the flush in progress, if any (bounded: one flush). */
    void stop() throws IOException {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(device.name() + ": interrupted while stopping the background flush");
        }
    }

    @Override
    public void run() {
        while (true) {
            synchronized (this) {
                while (!asked && !stopping) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                asked = false;
                running = true;
            }
            IOException failed = null;
            try {
                device.flush();
            } catch (IOException e) {
                failed = e;
            } catch (RuntimeException e) {
                failed = new IOException(device.name() + ": flush failed", e);
            }
            synchronized (this) {
                running = false;
                if (failed != null && failure == null) {
                    failure = failed;
                }
            }
        }
    }
}
