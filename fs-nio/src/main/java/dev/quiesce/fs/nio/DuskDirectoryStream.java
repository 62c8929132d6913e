package dev.quiesce.fs.nio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The entries of a directory as read when the stream was opened (Dusk's readdir is one
 * consistent, sorted listing), filtered lazily. One iterator per stream, as NIO requires.
 */
final class DuskDirectoryStream implements DirectoryStream<Path> {
    private final DuskFileSystem fs;
    private final Path dir;
    private final List<String> names;
    private final Filter<? super Path> filter;
    private volatile boolean open = true;
    private boolean iterated;

    DuskDirectoryStream(DuskFileSystem fs, Path dir, List<String> names, Filter<? super Path> filter) {
        this.fs = fs;
        this.dir = dir;
        this.names = names;
        this.filter = filter;
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (!open) {
            throw new IllegalStateException("directory stream of " + dir + " is closed");
        }
        if (iterated) {
            throw new IllegalStateException("directory stream of " + dir + " already gave its iterator");
        }
        iterated = true;
        return new Iterator<>() {
            private int next;
            private Path pending;

            @Override
            public boolean hasNext() {
                while (pending == null && open && next < names.size()) {
                    Path p = dir.resolve(names.get(next++));
                    try {
                        if (filter == null || filter.accept(p)) {
                            pending = p;
                        }
                    } catch (IOException e) {
                        throw new DirectoryIteratorException(e);
                    } catch (UncheckedIOException e) {
                        throw new DirectoryIteratorException(e.getCause());
                    }
                }
                return pending != null;
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Path p = pending;
                pending = null;
                return p;
            }
        };
    }

    @Override
    public void close() {
        open = false;
        fs.untrack(this);
    }
}
