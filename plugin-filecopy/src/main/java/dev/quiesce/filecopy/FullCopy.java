package dev.quiesce.filecopy;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The full-copy technique: the image is copied under the freeze, with
 * {@link FileChannel#transferTo} (the kernel copies, no bytes cross into the heap). With
 * a usage bitmap only the runs of used blocks are copied and the rest stays a hole, so
 * the cut costs time in proportion to the used blocks and the result is sparse; without
 * one every block counts as used ({@link BlockUsage#allUsed}). Sources without a file
 * are copied through their {@link BlockDevice}.
 */
final class FullCopy implements CutMethod {
    private static final long CHUNK = 64L << 20;
    private final SnapshotStore store;
    private final boolean skipFreeBlocks;

    FullCopy(SnapshotStore store, boolean skipFreeBlocks) {
        this.store = store;
        this.skipFreeBlocks = skipFreeBlocks;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.FULL_COPY, false,
                skipFreeBlocks ? CutCost.USED_BLOCKS : CutCost.DEVICE_SIZE, skipFreeBlocks);
    }

    @Override
    public Optional<String> unsupportedReason(SnapshotSource source) {
        return ImageFiles.problem(source, false);
    }

    @Override
    public Work prepare(SnapshotRequest request, Path image) throws SnapshotException {
        BlockDevice device = request.source().device();
        Optional<BlockUsage> usage = skipFreeBlocks ? request.blockUsage() : Optional.empty();
        long needed = usage.map(u -> u.usedCount() * u.blockSize()).orElse(device.sizeBytes());
        Path partial = ImageFiles.partial(store, request.name());
        ImageFiles.requireSpace(store.directory(), request.name(), needed);
        FileChannel target = ImageFiles.createPartial(request.name(), partial);
        return new Copy(request, usage, partial, image, target);
    }

    @Override
    public void delete(SnapshotRecord record) throws SnapshotException {
        ImageFiles.deleteImage(record);
    }

    /** One copy in progress: {@code target} is the open partial file. */
    private static final class Copy implements Work {
        private final SnapshotRequest request;
        private final Optional<BlockUsage> usage;
        private final Path partial;
        private final Path image;
        private final FileChannel target;

        Copy(SnapshotRequest request, Optional<BlockUsage> usage, Path partial, Path image, FileChannel target) {
            this.request = request;
            this.usage = usage;
            this.partial = partial;
            this.image = image;
            this.target = target;
        }

        @Override
        public Path cut(Cancellation cancellation) throws SnapshotException {
            SnapshotSource source = request.source();
            BlockDevice device = source.device();
            BlockUsage used = usage.orElse(BlockUsage.allUsed(device.blockSize(), device.blockCount()));
            try {
                if (source.path().isPresent()) {
                    try (FileChannel from = FileChannel.open(source.path().get(), StandardOpenOption.READ)) {
                        copyRuns(used, (position, length) -> transfer(from, position, length, cancellation));
                    }
                } else {
                    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, 1 << 20));
                    copyRuns(used, (position, length) -> read(device, position, length, buffer, cancellation));
                }
                long size = device.sizeBytes();
                if (target.size() < size) {
                    // The last block is free: one zero byte sets the length, the rest stays a hole.
                    target.write(ByteBuffer.allocate(1), size - 1);
                }
                return image;
            } catch (IOException e) {
                throw ImageFiles.copyFailure(request.name(), partial, e);
            }
        }

        private interface RunCopier {
            void copy(long position, long length) throws IOException, SnapshotException;
        }

        private void copyRuns(BlockUsage used, RunCopier copier) throws IOException, SnapshotException {
            long blockSize = used.blockSize();
            for (long start = used.nextInUse(0); start >= 0; ) {
                long end = start + 1;
                while (end < used.blockCount() && used.inUse(end)) {
                    end++;
                }
                copier.copy(start * blockSize, (end - start) * blockSize);
                start = used.nextInUse(end);
            }
        }

        private void transfer(FileChannel from, long position, long length, Cancellation cancellation)
                throws IOException, SnapshotException {
            target.position(position);
            long end = position + length;
            while (position < end) {
                checkCancelled(cancellation);
                long n = from.transferTo(position, Math.min(CHUNK, end - position), target);
                if (n <= 0) {
                    throw new EOFException(from + ": source ended at byte " + position + " of " + end);
                }
                position += n;
            }
        }

        private void read(BlockDevice device, long position, long length, ByteBuffer buffer, Cancellation cancellation)
                throws IOException, SnapshotException {
            long end = position + length;
            while (position < end) {
                checkCancelled(cancellation);
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                device.read(position / device.blockSize(), buffer);
                buffer.flip();
                while (buffer.hasRemaining()) {
                    position += target.write(buffer, position);
                }
            }
        }

        private void checkCancelled(Cancellation cancellation) throws SnapshotException {
            if (cancellation.cancelled()) {
                throw new SnapshotException(FileCopyProviderFactory.NAME, request.name(), "copy aborted");
            }
        }

        @Override
        public void complete() throws SnapshotException {
            try {
                target.force(true);
                target.close();
                ImageFiles.publish(partial, image);
            } catch (IOException e) {
                throw ImageFiles.copyFailure(request.name(), partial, e);
            }
        }

        @Override
        public void abort() {
            try {
                target.close();
            } catch (IOException e) {
                // Closing only releases the descriptor; the delete below is what matters.
            }
            try {
                Files.deleteIfExists(partial);
                if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(image);
                }
            } catch (IOException e) {
                ImageFiles.warnElsewhere("cannot delete " + partial + " after abort", e);
            }
        }
    }
}
