package dev.quiesce.fs;

import dev.quiesce.fs.Namespace.Inode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystemException;

/**
 * An open regular file of a {@link Dusk} filesystem. It stays usable after its last name
 * is unlinked (the inode is an orphan until the last handle closes). Safe for use by
 * several threads; each call is atomic with respect to other calls on the filesystem
 * (a write of more than 256 blocks is split into atomic chunks). Close it.
 */
public final class DuskFile implements AutoCloseable {
    private final Volume v;
    private final long inode;
    private final String path;
    private volatile boolean closed;

    DuskFile(Volume v, long inode, String path) {
        this.v = v;
        this.inode = inode;
        this.path = path;
    }

    public String path() {
        return path;
    }

    public long inode() {
        return inode;
    }

    private Inode node() throws IOException {
        if (closed) {
            throw new FileSystemException(path, null, "file handle is closed");
        }
        return v.namespace.existing(inode, path);
    }

    /** Reads at {@code position} into {@code dst}; returns the bytes read, or -1 at the end of the file. */
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException(path + ": negative position " + position);
        }
        return v.read(() -> v.data.read(node(), position, dst));
    }

    /** Writes all of {@code src} at {@code position}, growing the file as needed (holes read as zeros). */
    public void write(long position, ByteBuffer src) throws IOException {
        if (position < 0 || position + src.remaining() < 0) {
            throw new IllegalArgumentException(path + ": bad position " + position);
        }
        long pos = position;
        int chunk = Dusk.writeChunkBlocks() * v.blockSize;
        while (src.hasRemaining()) {
            int n = Math.min(chunk - (int) (pos % v.blockSize), src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            long at = pos;
            long blocks = (at % v.blockSize + n + v.blockSize - 1) / v.blockSize;
            v.change(path, d -> writeCost(d, at / v.blockSize, blocks), false, d -> {
                v.data.write(d, node(), at, part);
                return null;
            });
            src.position(src.position() + n);
            pos += n;
            v.throttle();
        }
    }

    /** Writes all of {@code src} at the end of the file. */
    public void append(ByteBuffer src) throws IOException {
        int chunk = Dusk.writeChunkBlocks() * v.blockSize;
        while (src.hasRemaining()) {
            int n = Math.min(chunk, src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            v.change(path, cost(n / v.blockSize + 2), false, d -> {
                Inode i = node();
                v.data.write(d, i, i.attrs.size(), part);
                return null;
            });
            src.position(src.position() + n);
            v.throttle();
        }
    }

    /** Sets the size: shrinking frees blocks (works on a full volume), growing leaves a hole. */
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative size " + size);
        }
        v.change(path, cost(1), true, d -> {
            Inode i = node();
            v.data.truncate(d, i, size);
            return null;
        });
    }

    public long size() throws IOException {
        return v.read(() -> node().attrs.size());
    }

    public FileStat stat() throws IOException {
        return v.read(() -> v.namespace.stat(node().number, path));
    }

    /** Commits the current delta (everything changed so far) and returns when it is durable. */
    public void fsync() throws IOException {
        if (closed) {
            throw new ClosedFileSystemException();
        }
        if (!v.readOnly) {
            v.commit.commitAndWait(false);
        }
    }

    private long cost(long blocks) {
        return v.space.cost(blocks, v.published.inodeCount());
    }

    /** Blocks already dirty in this delta cost nothing more; nor does an inode already in it. */
    private long writeCost(Delta d, long first, long blocks) {
        PageMap dirty = d.pages.get(inode);
        long fresh = dirty == null ? blocks : blocks - dirty.count(first, first + blocks);
        if (fresh == 0 && d.inodes.containsKey(inode)) {
            return 0;
        }
        return cost(fresh);
    }

    /** Releases the handle; the last close of an unlinked file destroys it. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean reap = v.read(() -> {
            Inode i = v.namespace.inode(inode);
            if (i == null) {
                return false;
            }
            i.open--;
            return i.open == 0 && i.attrs.nlink() == 0;
        });
        if (reap && !v.readOnly) {
            if (v.gate.isClosed()) {
                v.read(() -> v.toReap.add(inode));
            } else {
                v.change(path, 0, true, d -> {
                    v.namespace.destroyIfUnused(d, inode);
                    return null;
                });
            }
        }
    }
}
