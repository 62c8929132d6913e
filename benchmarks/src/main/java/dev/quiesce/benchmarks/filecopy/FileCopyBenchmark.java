package dev.quiesce.benchmarks.filecopy;

import dev.quiesce.benchmarks.RatioTable;
import dev.quiesce.benchmarks.RatioTable.Better;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.filecopy.FileCopyProviderFactory;
import dev.quiesce.filecopy.MirroredBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The filecopy plugin's two tables (issue 5):
 * <ol>
 *   <li>the freeze window, the time of the cut alone, per technique and image size
 *       (images half full, with a usage bitmap of the used half): each size against the
 *       smallest. Reflink and split mirror must stay flat; full copy must grow no faster
 *       than the used blocks do;</li>
 *   <li>the write throughput of a {@link MirroredBlockDevice} against a plain file-backed
 *       device, sequential 1 MiB writes, subject and baseline alternated in one run.</li>
 * </ol>
 * Each figure is the best of five runs, subject and baseline alike, since the machine is
 * shared and the other runs measure the neighbours. Usage:
 * {@code FileCopyBenchmark [--quick] [--dir DIR]}. Quick: 16, 64 and 256 MiB;
 * otherwise 64 MiB, 1 GiB and 8 GiB (needs about 4x the largest size free in DIR).
 * Reflink rows need DIR on btrfs or xfs with reflink; elsewhere they say why they are
 * missing. Every file made is deleted at the end.
 */
public final class FileCopyBenchmark {
    private static final int BLOCK = 4096;
    private static final int CHUNK = 1 << 20;
    private static final int REPEATS = 5;

    private FileCopyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int dirAt = Arrays.asList(args).indexOf("--dir");
        Path base = dirAt >= 0 ? Path.of(args[dirAt + 1]) : Path.of(System.getProperty("java.io.tmpdir"));
        long[] sizes = quick ? new long[] {16L << 20, 64L << 20, 256L << 20}
                : new long[] {64L << 20, 1L << 30, 8L << 30};
        Path work = Files.createTempDirectory(base, "filecopy-bench-");
        try {
            RatioTable cuts = new RatioTable("plugin-filecopy: freeze window (cut time), half-full images"
                    + (quick ? " (quick)" : ""));
            freezeWindows(work, sizes, cuts);
            cuts.print(System.out);
            RatioTable writes = new RatioTable("plugin-filecopy: mirrored device vs plain file device, "
                    + "sequential 1 MiB writes" + (quick ? " (quick)" : ""));
            mirrorOverhead(work, quick ? 256L << 20 : 1L << 30, writes);
            writes.print(System.out);
        } finally {
            deleteTree(work);
        }
    }

    private static void freezeWindows(Path work, long[] sizes, RatioTable table) throws Exception {
        for (String technique : List.of("full-copy", "reflink", "split-mirror")) {
            double[] millis = new double[sizes.length];
            String missing = null;
            for (int i = 0; i < sizes.length; i++) {
                try {
                    millis[i] = cutMillis(work, technique, sizes[i], true);
                } catch (Unsupported e) {
                    missing = e.getMessage();
                    break;
                }
            }
            if (missing != null) {
                System.out.println("(" + technique + " not measured: " + missing + ")");
                continue;
            }
            for (int i = 0; i < sizes.length; i++) {
                System.out.printf("%s cut at %d MiB: %.3f ms%n", technique, sizes[i] >> 20, millis[i]);
            }
            if (technique.equals("full-copy")) {
                long largest = sizes[sizes.length - 1];
                table.add("full-copy cut, " + mib(largest) + " half full, with the usage bitmap vs without",
                        millis[sizes.length - 1], cutMillis(work, technique, largest, false), "ms", Better.LOWER, 0.75);
            }
            for (int i = 1; i < sizes.length; i++) {
                double growth = (double) sizes[i] / sizes[0];
                boolean proportional = technique.equals("full-copy");
                table.add(technique + " cut, " + mib(sizes[i]) + " vs " + mib(sizes[0])
                                + (proportional ? " (target: no faster growth than used blocks)" : " (target: flat)"),
                        millis[i], millis[0], "ms", Better.LOWER, proportional ? growth * 1.25 : 3.0);
            }
        }
    }

    private static String mib(long bytes) {
        return bytes >= 1L << 30 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }

    private static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String why) {
            super(why);
        }
    }

    /** The best of {@link #REPEATS} cuts of a half-full image of {@code size} bytes (the machine is shared). */
    private static double cutMillis(Path work, String technique, long size, boolean withBitmap) throws Exception {
        Path image = work.resolve("image-" + technique + "-" + (size >> 20) + ".img");
        Path store = work.resolve("store-" + technique);
        long blocks = size / BLOCK;
        BlockUsage usage = halfFull(image, blocks);
        BlockDevice device = technique.equals("split-mirror")
                ? mirror(image, work.resolve("replica-" + (size >> 20) + ".img"))
                : FileBlockDevice.open(image, BLOCK, false);
        try (SnapshotProvider provider = new FileCopyProviderFactory().create(
                Map.of("directory", store.toString(), "technique", technique))) {
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            if (!provider.supports(source)) {
                try {
                    provider.prepare(SnapshotRequest.of("probe", source)).abort();
                } catch (Exception e) {
                    throw new Unsupported(e.getMessage());
                }
            }
            double[] runs = new double[REPEATS];
            for (int r = 0; r < REPEATS; r++) {
                SnapshotRequest request = SnapshotRequest.of("bench-" + r, source);
                PendingSnapshot pending = provider.prepare(withBitmap ? request.withBlockUsage(usage) : request);
                long start = System.nanoTime();
                pending.cut();
                runs[r] = (System.nanoTime() - start) / 1e6;
                pending.complete();
                provider.delete("bench-" + r);
            }
            return Arrays.stream(runs).min().orElseThrow();
        } finally {
            device.close();
            Files.deleteIfExists(image);
            Files.deleteIfExists(MirroredBlockDevice.logPath(image));
            deleteTree(store);
            Files.deleteIfExists(work.resolve("replica-" + (size >> 20) + ".img"));
        }
    }

    private static MirroredBlockDevice mirror(Path image, Path replica) throws IOException, InterruptedException {
        MirroredBlockDevice mirror = MirroredBlockDevice.create(image, replica, BLOCK);
        mirror.resync(null);
        return mirror;
    }

    /** Writes random data to every other 1 MiB of a new image and returns the matching bitmap. */
    private static BlockUsage halfFull(Path image, long blocks) throws IOException {
        long[] words = new long[(int) ((blocks + 63) / 64)];
        int perChunk = CHUNK / BLOCK;
        Random random = new Random(1);
        byte[] data = new byte[CHUNK];
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, blocks, true)) {
            for (long b = 0; b + perChunk <= blocks; b += 2L * perChunk) {
                random.nextBytes(data);
                device.write(b, ByteBuffer.wrap(data));
                for (long u = b; u < b + perChunk; u++) {
                    words[(int) (u >>> 6)] |= 1L << u;
                }
            }
            device.flush();
        }
        return BlockUsage.of(BLOCK, blocks, words);
    }

    private static void mirrorOverhead(Path work, long size, RatioTable table) throws Exception {
        long blocks = size / BLOCK;
        double[] plainCached = new double[REPEATS];
        double[] pairCached = new double[REPEATS];
        double[] mirroredCached = new double[REPEATS];
        double[] plainFlushed = new double[REPEATS];
        double[] pairFlushed = new double[REPEATS];
        double[] mirroredFlushed = new double[REPEATS];
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            for (int r = 0; r < REPEATS; r++) {
                plainCached[r] = plainRun(work, blocks, false);
                pairCached[r] = pairRun(work, blocks, false, second);
                mirroredCached[r] = mirroredRun(work, blocks, false);
                plainFlushed[r] = plainRun(work, blocks, true);
                pairFlushed[r] = pairRun(work, blocks, true, second);
                mirroredFlushed[r] = mirroredRun(work, blocks, true);
            }
        } finally {
            second.shutdown();
        }
        table.add("into the page cache, " + mib(size) + ", vs one plain file", best(mirroredCached),
                best(plainCached), "MiB/s", Better.HIGHER, 0.9);
        table.add("+ final flush, " + mib(size) + ", vs one plain file", best(mirroredFlushed),
                best(plainFlushed), "MiB/s", Better.HIGHER, 0.9);
        table.add("into the page cache, " + mib(size) + ", vs two plain files written in parallel",
                best(mirroredCached), best(pairCached), "MiB/s", Better.HIGHER, 0.9);
        table.add("+ final flush, " + mib(size) + ", vs two plain files written in parallel",
                best(mirroredFlushed), best(pairFlushed), "MiB/s", Better.HIGHER, 0.9);
    }

    /**
     * The floor of any mirror on this machine: the same bytes to two plain files, the
     * second file's writes on another thread, no log and no locks.
     */
    private static double pairRun(Path work, long blocks, boolean flush, ExecutorService second) throws Exception {
        Path a = work.resolve("pair-a.img");
        Path b = work.resolve("pair-b.img");
        try (FileBlockDevice first = FileBlockDevice.create(a, BLOCK, blocks, true);
             FileBlockDevice other = FileBlockDevice.create(b, BLOCK, blocks, true)) {
            Future<Double> otherRun = second.submit(() -> writeAll(other, blocks, flush));
            double mine = writeAll(first, blocks, flush);
            double theirs = otherRun.get();
            return Math.min(mine, theirs);
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    /** The best run: on a shared machine the others measure the neighbours. */
    private static double best(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double plainRun(Path work, long blocks, boolean flush) throws IOException {
        Path image = work.resolve("plain.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, blocks, true)) {
            return writeAll(device, blocks, flush);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    private static double mirroredRun(Path work, long blocks, boolean flush) throws Exception {
        Path image = work.resolve("primary.img");
        Path replica = work.resolve("replica.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(blocks * BLOCK);
        }
        try (MirroredBlockDevice mirror = mirror(image, replica)) {
            return writeAll(mirror, blocks, flush);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(replica);
            Files.deleteIfExists(MirroredBlockDevice.logPath(image));
        }
    }

    /** MiB/s of writing the whole device in 1 MiB writes, the final flush included if asked. */
    private static double writeAll(BlockDevice device, long blocks, boolean flush) throws IOException {
        ByteBuffer data = ByteBuffer.allocateDirect(CHUNK);
        byte[] random = new byte[CHUNK];
        new Random(2).nextBytes(random);
        data.put(random);
        int perChunk = CHUNK / BLOCK;
        long start = System.nanoTime();
        for (long b = 0; b + perChunk <= blocks; b += perChunk) {
            data.clear();
            device.write(b, data);
        }
        if (flush) {
            device.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return (blocks * BLOCK / (double) CHUNK) / seconds;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
