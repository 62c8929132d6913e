package dev.quiesce.fs.nio;

import dev.quiesce.fs.FsStat;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/** The one store of a Dusk filesystem: its volume, sized from {@code statfs}. */
final class DuskFileStore extends FileStore {
    private final DuskFileSystem fs;

    DuskFileStore(DuskFileSystem fs) {
        this.fs = fs;
    }

    private FsStat stat() throws IOException {
        return fs.dusk().statfs();
    }

    @Override
    public String name() {
        return fs.image().toString();
    }

    @Override
    public String type() {
        return DuskFileSystemProvider.SCHEME;
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public long getTotalSpace() throws IOException {
        FsStat s = stat();
        return s.blocks() * s.blockSize();
    }

    @Override
    public long getUsableSpace() throws IOException {
        FsStat s = stat();
        return s.availableBlocks() * s.blockSize();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        FsStat s = stat();
        return s.freeBlocks() * s.blockSize();
    }

    @Override
    public long getBlockSize() throws IOException {
        return stat().blockSize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == FileOwnerAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return fs.supportedFileAttributeViews().contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        switch (attribute) {
            case "totalSpace":
                return getTotalSpace();
            case "usableSpace":
                return getUsableSpace();
            case "unallocatedSpace":
                return getUnallocatedSpace();
            default:
                throw new UnsupportedOperationException("no file store attribute '" + attribute + "'");
        }
    }

    @Override
    public String toString() {
        return name() + " (" + type() + ")";
    }
}
