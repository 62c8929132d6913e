package dev.quiesce.benchmarks.dmsnap;

import dev.quiesce.benchmarks.RatioTable;
import dev.quiesce.benchmarks.RatioTable.Better;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.dmsnap.DmsnapOrigin;
import dev.quiesce.dmsnap.DmsnapProvider;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The plugin-dmsnap table of issue 4: every measure a ratio against a baseline timed in
 * the same run on the same directory, 4 KiB writes at queue depth 1.
 *
 * <pre>
 * java -cp ... dev.quiesce.benchmarks.dmsnap.DmsnapBenchmark [--quick] [--dir DIR]
 * </pre>
 * {@code --quick} is CI-sized (64 MiB origin, 4096 writes, 1M exceptions); without it
 * 1 GiB, 65536 writes and 10M exceptions. {@code DIR} defaults to /dev/shm when present
 * (a tmpfs, so flushes cost what the kernel's page handling costs and the ratios reflect
 * the I/O calls each path makes), else java.io.tmpdir.
 *
 * <p>Rows: first write to an in-use chunk, rewrite of a copied chunk, write to a chunk
 * free at the cut with a usage bitmap (each vs the raw device), first write with 8
 * snapshots vs 1, heap per exception (vs the 8-byte target), exceptions loaded per second
 * on reopen (vs the 10M/s target), cut time on a 64 GiB vs a 1 GiB sparse origin (and
 * each vs 10 ms), and first writes vs a qcow2 overlay on a raw base through qemu-io
 * (skipped with a printed reason when qemu-io is absent).
 */
public final class DmsnapBenchmark {
    private static final int IO = 4096;
    private static final int REPEATS = 3;

    private final Path dir;
    private final boolean quick;
    private final long originBytes;
    private final int writes;
    private final int exceptions;

    private DmsnapBenchmark(Path dir, boolean quick) {
        this.dir = dir;
        this.quick = quick;
        this.originBytes = quick ? 64L << 20 : 1L << 30;
        this.writes = quick ? 4096 : 65536;
        this.exceptions = quick ? 1 << 20 : 10_000_000;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use [--quick] [--dir DIR]");
            }
        }
        Path work = Files.createTempDirectory(dir, "dmsnap-bench");
        try {
            new DmsnapBenchmark(work, quick).run();
        } finally {
            try (var files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    private void run() throws Exception {
        System.out.println(machine());
        RatioTable table = new RatioTable("plugin-dmsnap (" + (quick ? "quick" : "full") + ": origin "
                + (originBytes >> 20) + " MiB, " + writes + " random 4 KiB writes, " + exceptions + " exceptions)");
        Path originPath = dir.resolve("origin.img");
        long[] positions = positions(new Random(1));
        try (FileBlockDevice origin = FileBlockDevice.create(originPath, IO, originBytes / IO, false)) {
            fill(origin);
            writeAll(origin, positions, 0);          // warm both paths up
            copyOnWritePass(origin, positions, 1, null);

            double raw = 0;
            double first = 0;
            double rewrite = 0;
            double rawRewrite = 0;
            for (int r = 0; r < REPEATS; r++) {
                raw = Math.max(raw, writeAll(origin, positions, 10 + r));
                double[] cow = copyOnWritePass(origin, positions, 1, null);
                first = Math.max(first, cow[0]);
                rewrite = Math.max(rewrite, cow[1]);
                rawRewrite = Math.max(rawRewrite, writeAll(origin, positions, 20 + r));
            }
            table.add("first write to an in-use chunk (1 snapshot) vs no snapshot", first, raw, "writes/s",
                    Better.HIGHER, 0.33);
            table.add("rewrite of a copied chunk vs no snapshot", rewrite, rawRewrite, "writes/s", Better.HIGHER, 0.95);

            long[] freeHalf = positionsIn(new Random(2), origin.blockCount() / 2, origin.blockCount());
            BlockUsage firstHalfUsed = firstHalfInUse(origin.blockCount());
            double rawFree = 0;
            double free = 0;
            for (int r = 0; r < REPEATS; r++) {
                rawFree = Math.max(rawFree, writeAll(origin, freeHalf, 30 + r));
                free = Math.max(free, copyOnWritePass(origin, freeHalf, 1, firstHalfUsed)[0]);
            }
            table.add("write to a chunk free at the cut (usage bitmap) vs no snapshot", free, rawFree, "writes/s",
                    Better.HIGHER, 0.95);

            double one = 0;
            double eight = 0;
            for (int r = 0; r < REPEATS; r++) {
                one = Math.max(one, copyOnWritePass(origin, positions, 1, null)[0]);
                eight = Math.max(eight, copyOnWritePass(origin, positions, 8, null)[0]);
            }
            table.add("first write with 8 snapshots vs with 1", eight, one, "writes/s", Better.HIGHER, 0.9);

            Qcow2 qcow2 = Qcow2.find();
            if (qcow2 == null) {
                System.out.println("qcow2 row skipped: qemu-io and qemu-img not found on PATH "
                        + "(Debian package qemu-utils; .ci/setup.d/plugin-dmsnap.sh installs it)");
            } else {
                double q = 0;
                for (int r = 0; r < REPEATS; r++) {
                    q = Math.max(q, qcow2.firstWrites(dir, originPath, originBytes, positions));
                }
                table.add("first write vs a qcow2 overlay through qemu-io", first, q, "writes/s", Better.HIGHER, 1.0);
            }
        }
        Files.deleteIfExists(originPath);

        double[] heapAndRate = heapAndReopen();
        table.add("heap per exception vs the 8-byte target", heapAndRate[0], 8.0, "bytes", Better.LOWER, 1.0);
        table.add("exceptions loaded per second on reopen vs 10M/s", heapAndRate[1], 10_000_000, "exceptions/s",
                Better.HIGHER, 1.0);

        double small = cutMicros(1L << 30);
        double large = cutMicros(64L << 30);
        table.add("cut time, 64 GiB vs 1 GiB sparse origin (median)", large, small, "us", Better.LOWER, 1.5);
        table.add("cut time, 1 GiB origin vs 10 ms", small, 10_000, "us", Better.LOWER, 1.0);
        table.add("cut time, 64 GiB origin vs 10 ms", large, 10_000, "us", Better.LOWER, 1.0);
        table.print(System.out);
        System.out.println(table.allMet() ? "all targets met" : "SOME TARGETS MISSED");
    }

    // ---------------------------------------------------------------- workloads

    private long[] positions(Random r) {
        return positionsIn(r, 0, originBytes / IO);
    }

    /** {@code writes} distinct block numbers in [from, to), in random order. */
    private long[] positionsIn(Random r, long from, long to) {
        long span = to - from;
        long[] all = new long[(int) Math.min(span, Integer.MAX_VALUE - 8)];
        for (int i = 0; i < all.length; i++) {
            all[i] = from + i;
        }
        for (int i = 0; i < writes; i++) {
            int j = i + r.nextInt(all.length - i);
            long t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Arrays.copyOf(all, writes);
    }

    private static void fill(BlockDevice d) throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        long blocks = data.length / d.blockSize();
        for (long b = 0; b < d.blockCount(); b += blocks) {
            d.write(b, ByteBuffer.wrap(data, 0, (int) Math.min(blocks, d.blockCount() - b) * d.blockSize()));
        }
        d.flush();
    }

    /** Writes every position once and flushes; returns writes per second. */
    private static double writeAll(BlockDevice d, long[] positions, int seed) throws IOException {
        byte[] data = new byte[IO];
        new Random(seed).nextBytes(data);
        long t0 = System.nanoTime();
        for (long p : positions) {
            data[0]++;
            d.write(p, ByteBuffer.wrap(data));
        }
        d.flush();
        return positions.length / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * A fresh store, {@code snapshots} cuts, then the positions written twice; returns
     * {first-write, rewrite} writes per second.
     */
    private double[] copyOnWritePass(FileBlockDevice real, long[] positions, int snapshots, BlockUsage usage)
            throws Exception {
        Path store = dir.resolve("store-" + System.nanoTime() + ".cow");
        try (DmsnapProvider p = DmsnapProvider.onFile(store, IO, 0)) {
            DmsnapOrigin origin = p.origin(real);
            for (int i = 0; i < snapshots; i++) {
                SnapshotRequest request = SnapshotRequest.of("s" + i, origin.source("bench"));
                p.create(usage == null ? request : request.withBlockUsage(usage));
            }
            double first = writeAll(origin, positions, 3);
            double again = writeAll(origin, positions, 4);
            return new double[] {first, again};
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static BlockUsage firstHalfInUse(long blocks) {
        long[] words = new long[(int) ((blocks + 63) / 64)];
        for (long b = 0; b < blocks / 2; b++) {
            words[(int) (b >>> 6)] |= 1L << b;
        }
        return BlockUsage.of(IO, blocks, words);
    }

    /** {bytes of heap per exception, exceptions loaded per second}. */
    private double[] heapAndReopen() throws Exception {
        int chunk = 512;
        long bytes = (long) exceptions * chunk;
        Path originPath = dir.resolve("heap-origin.img");
        Path full = dir.resolve("heap-full.cow");
        Path empty = dir.resolve("heap-empty.cow");
        try (FileBlockDevice real = FileBlockDevice.create(originPath, chunk, bytes / chunk, false)) {
            try (DmsnapProvider p = DmsnapProvider.onFile(full, chunk, 0)) {
                DmsnapOrigin origin = p.origin(real);
                p.create(SnapshotRequest.of("all", origin.source("heap")));
                byte[] data = new byte[1 << 20];
                Arrays.fill(data, (byte) 1);
                for (long b = 0; b < real.blockCount(); b += data.length / chunk) {
                    origin.write(b, ByteBuffer.wrap(data, 0, (int) Math.min(data.length / chunk,
                            real.blockCount() - b) * chunk));
                }
                origin.flush();
            }
            try (DmsnapProvider p = DmsnapProvider.onFile(empty, chunk, Files.size(full))) {
                DmsnapOrigin origin = p.origin(real);
                p.create(SnapshotRequest.of("none", origin.source("heap")));
            }
        }
        Files.deleteIfExists(originPath);
        double bestRate = 0;
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            DmsnapProvider p = DmsnapProvider.onFile(full, chunk, 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            p.close();
            bestRate = Math.max(bestRate, exceptions / seconds);
        }
        long baseHeap = heldHeap(empty);
        long fullHeap = heldHeap(full);
        Files.deleteIfExists(full);
        Files.deleteIfExists(empty);
        return new double[] {(double) (fullHeap - baseHeap) / exceptions, bestRate};
    }

    /** Heap in use while a provider over {@code store} is open, after collections settle. */
    private static long heldHeap(Path store) throws Exception {
        long before = usedHeap();
        DmsnapProvider p = DmsnapProvider.onFile(store, 512, 0);
        long held = usedHeap() - before;
        p.close();
        return held;
    }

    private static long usedHeap() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(50);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Median microseconds of {@code cut()} on a sparse origin of {@code bytes}. */
    private double cutMicros(long bytes) throws Exception {
        Path originPath = dir.resolve("cut-origin.img");
        Path store = dir.resolve("cut.cow");
        List<Long> nanos = new ArrayList<>();
        try (FileBlockDevice real = FileBlockDevice.create(originPath, IO, bytes / IO, false);
             DmsnapProvider p = DmsnapProvider.onFile(store, IO, 0)) {
            DmsnapOrigin origin = p.origin(real);
            for (int i = 0; i < 200; i++) {
                PendingSnapshot pending = p.prepare(SnapshotRequest.of("cut" + i, origin.source("cut")));
                long t0 = System.nanoTime();
                pending.cut();
                nanos.add(System.nanoTime() - t0);
                pending.complete();
                p.delete("cut" + i);
            }
        } finally {
            Files.deleteIfExists(originPath);
            Files.deleteIfExists(store);
        }
        nanos.sort(null);
        return nanos.get(nanos.size() / 2) / 1000.0;
    }

    private static String machine() {
        String cpu = "unknown cpu";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            cpu = "unknown cpu (" + e.getMessage() + ")";
        }
        return String.format(Locale.ROOT, "machine: %s, %d cpus, %d MiB max heap, Java %s, %s %s",
                cpu, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version"));
    }
}
