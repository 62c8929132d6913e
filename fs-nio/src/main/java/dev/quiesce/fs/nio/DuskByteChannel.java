package dev.quiesce.fs.nio;

import dev.quiesce.fs.DuskFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;

/**
 * A seekable channel on an open {@link DuskFile}. The position is the channel's own; each
 * read or write is atomic with respect to the filesystem (DuskFile's guarantee) and the
 * channel's methods are synchronized so position updates are too. An unlinked file stays
 * readable through an open channel.
 */
final class DuskByteChannel implements SeekableByteChannel {
    private final DuskFileSystem fs;
    private final DuskFile file;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final boolean sync;
    private final DuskPath deleteOnClose;
    private long position;
    private boolean open = true;

    DuskByteChannel(DuskFileSystem fs, DuskFile file, boolean readable, boolean writable, boolean append,
                    boolean sync, DuskPath deleteOnClose) {
        this.fs = fs;
        this.file = file;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.sync = sync;
        this.deleteOnClose = deleteOnClose;
    }

    private void checkOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        checkOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n = file.read(position, dst);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        checkOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (append) {
            position = file.size();
        }
        int n = src.remaining();
        file.write(position, src);
        position += n;
        if (sync) {
            file.fsync();
        }
        return n;
    }

    @Override
    public synchronized long position() throws IOException {
        checkOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        checkOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition + " in " + file.path());
        }
        position = newPosition;
        return this;
    }

    @Override
    public synchronized long size() throws IOException {
        checkOpen();
        return file.size();
    }

    @Override
    public synchronized SeekableByteChannel truncate(long size) throws IOException {
        checkOpen();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + file.path());
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (size < file.size()) {
            file.truncate(size);
        }
        position = Math.min(position, size);
        return this;
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        fs.untrack(this);
        try {
            file.close();
        } finally {
            if (deleteOnClose != null && fs.isOpen()) {
                try {
                    fs.dusk().unlink(deleteOnClose.duskPath());
                } catch (NoSuchFileException alreadyGone) {
                    // DELETE_ON_CLOSE is best effort by contract: someone removed it first.
                }
            }
        }
    }
}
