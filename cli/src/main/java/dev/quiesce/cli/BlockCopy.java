package dev.quiesce.cli;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Copies a snapshot's device into a backup file: only the blocks in use when the
 * snapshot carries a usage bitmap (the rest stay holes, and read as zeros like the
 * snapshot's own free blocks), into {@code TARGET.partial}, forced to disk and then
 * renamed, so that a backup file that exists is always whole. Any failure or interrupt
 * removes the partial file.
 */
final class BlockCopy {
    /** Blocks per read and write. */
    private static final int RUN = 256;

    /** What a finished copy did. */
    record Result(long bytesCopied, Duration took) {
        double bytesPerSecond() {
            return took.isZero() ? bytesCopied : bytesCopied / (took.toNanos() / 1e9);
        }
    }

    private BlockCopy() {
    }

    static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /** Bytes the copy will write: the blocks in use, or the whole device. */
    static long bytesToCopy(BlockDevice from, Optional<BlockUsage> usage) {
        return usage.map(u -> u.usedCount() * u.blockSize()).orElse(from.sizeBytes());
    }

    /**
     * Fails before anything is written when the target's file store has less usable
     * space than the copy needs.
     */
    static void checkSpace(Path target, long bytes) throws IOException, CliException {
        Path dir = target.toAbsolutePath().getParent();
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < bytes) {
            throw new CliException(ExitCode.NO_SPACE, "no space for the backup in " + dir + ": it needs "
                    + Sizes.human(bytes) + ", " + Sizes.human(usable) + " is free; nothing was written");
        }
    }

    /**
     * Copies {@code from} to {@code target}, at most {@code maxBytesPerSecond} (0: no
     * limit), reporting progress. {@code cancelled} is polled between runs of blocks: a
     * flag rather than a thread interrupt, because an interrupt would close the channels
     * of the devices being read.
     *
     * @throws InterruptedException if cancelled or interrupted; the partial file is removed
     */
    static Result copy(BlockDevice from, Optional<BlockUsage> usage, Path target, Progress progress,
                       long maxBytesPerSecond, BooleanSupplier cancelled) throws IOException, InterruptedException {
        Path partial = partialOf(target);
        long start = System.nanoTime();
        long copied = 0;
        boolean done = false;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int bs = from.blockSize();
            long blocks = from.blockCount();
            if (blocks > 0) {
                out.write(ByteBuffer.allocate(1), blocks * bs - 1);
            }
            ByteBuffer buffer = ByteBuffer.allocate(RUN * bs);
            long block = usage.isPresent() ? usage.get().nextInUse(0) : 0;
            while (block >= 0 && block < blocks) {
                if (cancelled.getAsBoolean() || Thread.interrupted()) {
                    throw new InterruptedException("backup copy interrupted at block " + block);
                }
                int run = runLength(usage, block, blocks);
                buffer.clear().limit(run * bs);
                from.read(block, buffer);
                buffer.flip();
                long position = block * bs;
                while (buffer.hasRemaining()) {
                    position += out.write(buffer, position);
                }
                copied += (long) run * bs;
                progress.advance((long) run * bs);
                throttle(start, copied, maxBytesPerSecond);
                block = usage.isPresent() ? usage.get().nextInUse(block + run) : block + run;
            }
            out.force(true);
            done = true;
        } catch (ClosedByInterruptException e) {
            InterruptedException interrupted = new InterruptedException("backup copy interrupted");
            interrupted.initCause(e);
            throw interrupted;
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return new Result(copied, Duration.ofNanos(System.nanoTime() - start));
    }

    private static int runLength(Optional<BlockUsage> usage, long block, long blocks) {
        int run = (int) Math.min(RUN, blocks - block);
        if (usage.isPresent()) {
            BlockUsage u = usage.get();
            int n = 1;
            while (n < run && u.inUse(block + n)) {
                n++;
            }
            return n;
        }
        return run;
    }

    private static void throttle(long start, long copied, long maxBytesPerSecond) throws InterruptedException {
        if (maxBytesPerSecond <= 0) {
            return;
        }
        long dueNanos = (long) (copied * 1e9 / maxBytesPerSecond);
        long aheadMillis = (dueNanos - (System.nanoTime() - start)) / 1_000_000;
        if (aheadMillis > 0) {
            Thread.sleep(aheadMillis);
        }
    }

    /**
     * Whether {@code target} reads exactly as {@code expected} in every block the image
     * needs: those in use in {@code usage} (F15: the others hold nothing the frozen image
     * needs, and the copy left them as holes), or every block.
     *
     * @return the first block that differs, or -1
     */
    static long firstDifference(BlockDevice expected, Path target, Optional<BlockUsage> usage) throws IOException {
        try (FileChannel in = FileChannel.open(target, StandardOpenOption.READ)) {
            int bs = expected.blockSize();
            if (in.size() != expected.sizeBytes()) {
                return 0;
            }
            ByteBuffer a = ByteBuffer.allocate(RUN * bs);
            ByteBuffer b = ByteBuffer.allocate(RUN * bs);
            for (long block = 0; block < expected.blockCount(); block += RUN) {
                int run = (int) Math.min(RUN, expected.blockCount() - block);
                a.clear().limit(run * bs);
                b.clear().limit(run * bs);
                expected.read(block, a);
                long position = block * bs;
                while (b.hasRemaining() && in.read(b, position + b.position()) > 0) {
                    continue;
                }
                if (!Arrays.equals(a.array(), 0, run * bs, b.array(), 0, run * bs)) {
                    for (int i = 0; i < run; i++) {
                        boolean needed = usage.isEmpty() || usage.get().inUse(block + i);
                        if (needed && !Arrays.equals(a.array(), i * bs, (i + 1) * bs, b.array(), i * bs, (i + 1) * bs)) {
                            return block + i;
                        }
                    }
                }
            }
            return -1;
        }
    }
}
