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
 * <p>Stores for the write rows are files written through once beforehand, like the
 * preallocated logical volume under a dm-snapshot COW device.
 *
 * <p>The write rows compare thread CPU time (user + system) of interleaved batches: on a
 * tmpfs all the I/O is work of the writing thread, and on a shared machine the wall clock
 * mostly measures other jobs. The wall-clock ratios of the same runs are printed too.
 * The reopen rate is by thread CPU time as well (loading runs in the calling thread);
 * the qcow2 row is wall-clock (qemu-io is another process).
 *
 * <p>{@code --quick} is CI-sized (64 MiB origin, 8192 writes, 1M exceptions); without it
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
    private static final int REPEATS = 7;
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The same interleaved runs timed by the wall clock, printed beside the table. */
    private static Median wallClock = new Median();

    private final Path dir;
    private final boolean quick;
    private final long originBytes;
    private final int writes;
    private final int exceptions;

    private DmsnapBenchmark(Path dir, boolean quick) {
        this.dir = dir;
        this.quick = quick;
        this.originBytes = quick ? 64L << 20 : 1L << 30;
        this.writes = quick ? 8192 : 65536;
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
        Path rawPath = dir.resolve("raw.img");
        long[] positions = positions(new Random(1));
        try (FileBlockDevice origin = FileBlockDevice.create(originPath, IO, originBytes / IO, false);
             FileBlockDevice raw = FileBlockDevice.create(rawPath, IO, originBytes / IO, false)) {
            fill(origin);
            fill(raw);
            long[] freeHalf = positionsIn(new Random(2), origin.blockCount() / 2, origin.blockCount());
            BlockUsage firstHalfUsed = firstHalfInUse(origin.blockCount());
            // Warm every path up before timing it.
            copyOnWrite(origin, raw, positions, 1, null);
            copyOnWrite(origin, raw, freeHalf, 1, firstHalfUsed);
            eightVersusOne(origin, raw, positions);

            Median first = new Median();
            Median rewrite = new Median();
            Median free = new Median();
            Median eight = new Median();
            Median firstWall = new Median();
            Median rewriteWall = new Median();
            Median sameAsSame = new Median();
            for (int r = 0; r < REPEATS; r++) {
                double[] aa = alternate(raw, positions, origin, positions, 6);
                sameAsSame.add(aa[0], aa[1]);
                wallClock = new Median();
                // A crossover: the snapshot on one file with the other as the baseline, then
                // the other way round; the geometric mean cancels what the two files differ
                // by on their own (a few percent on tmpfs, see the A/A line).
                double[] cow = crossover(copyOnWrite(origin, raw, positions, 1, null),
                        copyOnWrite(raw, origin, positions, 1, null));
                double[] wall = crossover(
                        new double[] {wallClock.pairs.get(0)[0], wallClock.pairs.get(0)[1],
                            wallClock.pairs.get(1)[0], wallClock.pairs.get(1)[1]},
                        new double[] {wallClock.pairs.get(2)[0], wallClock.pairs.get(2)[1],
                            wallClock.pairs.get(3)[0], wallClock.pairs.get(3)[1]});
                firstWall.add(wall[0], wall[1]);
                rewriteWall.add(wall[2], wall[3]);
                first.add(cow[0], cow[1]);
                rewrite.add(cow[2], cow[3]);
                double[] bitmap = crossover(copyOnWrite(origin, raw, freeHalf, 1, firstHalfUsed),
                        copyOnWrite(raw, origin, freeHalf, 1, firstHalfUsed));
                free.add(bitmap[0], bitmap[1]);
                double[] many = eightVersusOne(origin, raw, positions);
                eight.add(many[0], many[1]);
            }
            System.out.println("wall-clock ratios of the same runs: first write " + firstWall.ratio()
                    + ", rewrite " + rewriteWall.ratio());
            System.out.println("noise floor (A/A): a second file vs the origin's file, neither with a snapshot: "
                    + sameAsSame.ratio() + ", all repeats " + sameAsSame.range());
            first.addTo(table, "first write to an in-use chunk (1 snapshot) vs no snapshot", 0.33);
            rewrite.addTo(table, "rewrite of a copied chunk vs no snapshot", 0.95);
            free.addTo(table, "write to a chunk free at the cut (usage bitmap) vs no snapshot", 0.95);
            eight.addTo(table, "first write with 8 snapshots vs with 1", 0.9);

            Qcow2 qcow2 = Qcow2.find();
            if (qcow2 == null) {
                System.out.println("qcow2 row skipped: qemu-io and qemu-img not found on PATH "
                        + "(Debian package qemu-utils; .ci/setup.d/plugin-dmsnap.sh installs it)");
            } else {
                Median vsQcow2 = new Median();
                for (int r = 0; r < REPEATS; r++) {
                    double q = qcow2.firstWrites(dir, rawPath, originBytes, positions);
                    wallClock = new Median();
                    copyOnWrite(origin, raw, positions, 1, null);
                    double cow = wallClock.pairs.get(0)[0];
                    vsQcow2.add(cow, q);
                }
                vsQcow2.addTo(table, "first write vs a qcow2 overlay (raw base) through qemu-io", 1.0);
            }
        }
        Files.deleteIfExists(originPath);
        Files.deleteIfExists(rawPath);

        double[] heapAndRate = heapAndReopen();
        table.add("heap per exception vs the 8-byte target", heapAndRate[0], 8.0, "bytes", Better.LOWER, 1.0);
        table.add("exceptions loaded per second on reopen vs 10M/s", heapAndRate[1], 10_000_000, "exceptions/s",
                Better.HIGHER, 1.0);

        double[] cuts = cutMicros(1L << 30, 64L << 30);
        double small = cuts[0];
        double large = cuts[1];
        table.add("cut time, 64 GiB vs 1 GiB sparse origin (median)", large, small, "us", Better.LOWER, 1.5);
        table.add("cut time, 1 GiB origin vs 10 ms", small, 10_000, "us", Better.LOWER, 1.0);
        table.add("cut time, 64 GiB origin vs 10 ms", large, 10_000, "us", Better.LOWER, 1.0);
        table.print(System.out);
        System.out.println(table.allMet() ? "all targets met" : "SOME TARGETS MISSED");
    }

    /** The geometric means, element by element, of the two halves of a crossover. */
    private static double[] crossover(double[] one, double[] other) {
        double[] out = new double[one.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(one[i] * other[i]);
        }
        return out;
    }

    /** Pairs of (subject, baseline) rates from repeated runs; the pair with the median ratio is reported. */
    private static final class Median {
        private final List<double[]> pairs = new ArrayList<>();

        void add(double subject, double baseline) {
            pairs.add(new double[] {subject, baseline});
        }

        String ratio() {
            pairs.sort((x, y) -> Double.compare(x[0] / x[1], y[0] / y[1]));
            double[] m = pairs.get(pairs.size() / 2);
            return String.format(Locale.ROOT, "%.2fx (%.0f vs %.0f writes/s)", m[0] / m[1], m[0], m[1]);
        }

        String range() {
            pairs.sort((x, y) -> Double.compare(x[0] / x[1], y[0] / y[1]));
            double[] lo = pairs.get(0);
            double[] hi = pairs.get(pairs.size() - 1);
            return String.format(Locale.ROOT, "%.2f-%.2fx", lo[0] / lo[1], hi[0] / hi[1]);
        }

        void addTo(RatioTable table, String measure, double target) {
            pairs.sort((x, y) -> Double.compare(x[0] / x[1], y[0] / y[1]));
            double[] m = pairs.get(pairs.size() / 2);
            table.add(measure, m[0], m[1], "writes/s", Better.HIGHER, target);
        }
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

    /**
     * A fresh store and one snapshot (with {@code usage} if given) on {@code real}; then
     * the positions written twice through the origin, in batches alternating with the
     * same number of writes to the raw device, so both see the same machine load.
     * Returns {first write, raw, rewrite, raw} in writes per second.
     */
    private double[] copyOnWrite(FileBlockDevice real, FileBlockDevice raw, long[] positions, int snapshots,
                                 BlockUsage usage) throws Exception {
        try (FileBlockDevice store = preallocatedStore("store-a.cow");
             DmsnapProvider p = DmsnapProvider.onDevice(store, IO)) {
            DmsnapOrigin origin = p.origin(real);
            for (int i = 0; i < snapshots; i++) {
                SnapshotRequest request = SnapshotRequest.of("s" + i, origin.source("bench"));
                p.create(usage == null ? request : request.withBlockUsage(usage));
            }
            double[] first = alternate(origin, positions, raw, positions, 3);
            double[] again = alternate(origin, positions, raw, positions, 4);
            return new double[] {first[0], first[1], again[0], again[1]};
        }
    }

    /**
     * A store file written through once, as the logical volume under a dm-snapshot COW
     * device would be, so that copies do not pay the file system's first allocation of
     * its pages (the raw device was filled the same way); its superblock is cleared so the
     * provider formats it afresh.
     */
    private FileBlockDevice preallocatedStore(String name) throws IOException {
        Path path = dir.resolve(name);
        if (!Files.exists(path)) {
            long bytes = originBytes + originBytes / 256 + (4L << 20);
            try (FileBlockDevice d = FileBlockDevice.create(path, IO, bytes / IO, false)) {
                fill(d);
            }
        }
        FileBlockDevice d = FileBlockDevice.open(path, IO, false);
        d.write(0, ByteBuffer.allocate(IO));
        return d;
    }

    /** First writes with 8 snapshots on {@code a} alternating with first writes with 1 on {@code b}. */
    private double[] eightVersusOne(FileBlockDevice a, FileBlockDevice b, long[] positions) throws Exception {
        try (FileBlockDevice storeA = preallocatedStore("store-a.cow");
             FileBlockDevice storeB = preallocatedStore("store-b.cow");
             DmsnapProvider pa = DmsnapProvider.onDevice(storeA, IO);
             DmsnapProvider pb = DmsnapProvider.onDevice(storeB, IO)) {
            DmsnapOrigin oa = pa.origin(a);
            DmsnapOrigin ob = pb.origin(b);
            for (int i = 0; i < 8; i++) {
                pa.create(SnapshotRequest.of("s" + i, oa.source("eight")));
            }
            pb.create(SnapshotRequest.of("s", ob.source("one")));
            return alternate(oa, positions, ob, positions, 5);
        }
    }

    /**
     * Writes {@code pa} to {@code a} and {@code pb} to {@code b} in alternating batches of
     * 1024 writes, each batch ended by a flush, swapping which goes first every batch;
     * returns both in writes per second.
     */
    private static double[] alternate(BlockDevice a, long[] pa, BlockDevice b, long[] pb, int seed)
            throws IOException {
        byte[] data = new byte[IO];
        new Random(seed).nextBytes(data);
        long[] ta = new long[2];
        long[] tb = new long[2];
        int batch = 1024;
        for (int from = 0, k = 0; from < pa.length; from += batch, k++) {
            int to = Math.min(pa.length, from + batch);
            if (k % 2 == 0) {
                timed(a, pa, from, to, data, ta);
                timed(b, pb, from, to, data, tb);
            } else {
                timed(b, pb, from, to, data, tb);
                timed(a, pa, from, to, data, ta);
            }
        }
        wallClock.add(pa.length / (ta[1] / 1e9), pb.length / (tb[1] / 1e9));
        return new double[] {pa.length / (ta[0] / 1e9), pb.length / (tb[0] / 1e9)};
    }

    /**
     * Adds the batch's thread CPU time (user + system: on tmpfs every byte of I/O is
     * work the writing thread does) to {@code times[0]} and its wall-clock time to
     * {@code times[1]}.
     */
    private static void timed(BlockDevice d, long[] positions, int from, int to, byte[] data, long[] times)
            throws IOException {
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
            data[0]++;
            d.write(positions[i], ByteBuffer.wrap(data));
        }
        d.flush();
        times[1] += System.nanoTime() - t0;
        times[0] += THREADS.getCurrentThreadCpuTime() - c0;
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
        double bestWall = 0;
        for (int r = 0; r < REPEATS; r++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            DmsnapProvider p = DmsnapProvider.onFile(full, chunk, 0);
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
            p.close();
            bestRate = Math.max(bestRate, exceptions / cpu);
            bestWall = Math.max(bestWall, exceptions / wall);
        }
        System.out.printf(Locale.ROOT, "reopen of %d exceptions: %.1f M/s by thread CPU time, %.1f M/s by the wall "
                + "clock%n", exceptions, bestRate / 1e6, bestWall / 1e6);
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

    /**
     * Median microseconds of {@code cut()} on sparse origins of {@code small} and
     * {@code large} bytes, the two cut in turn (so both see the same machine load), 400
     * cuts each.
     */
    private double[] cutMicros(long small, long large) throws Exception {
        Path smallOrigin = dir.resolve("cut-small.img");
        Path largeOrigin = dir.resolve("cut-large.img");
        Path smallStore = dir.resolve("cut-small.cow");
        Path largeStore = dir.resolve("cut-large.cow");
        List<Long> smallNanos = new ArrayList<>();
        List<Long> largeNanos = new ArrayList<>();
        try (FileBlockDevice realSmall = FileBlockDevice.create(smallOrigin, IO, small / IO, false);
             FileBlockDevice realLarge = FileBlockDevice.create(largeOrigin, IO, large / IO, false);
             DmsnapProvider ps = DmsnapProvider.onFile(smallStore, IO, 0);
             DmsnapProvider pl = DmsnapProvider.onFile(largeStore, IO, 0)) {
            DmsnapOrigin os = ps.origin(realSmall);
            DmsnapOrigin ol = pl.origin(realLarge);
            for (int i = 0; i < 400; i++) {
                boolean smallFirst = i % 2 == 0;
                cutOnce(smallFirst ? ps : pl, smallFirst ? os : ol, i, smallFirst ? smallNanos : largeNanos);
                cutOnce(smallFirst ? pl : ps, smallFirst ? ol : os, i, smallFirst ? largeNanos : smallNanos);
            }
        } finally {
            for (Path f : List.of(smallOrigin, largeOrigin, smallStore, largeStore)) {
                Files.deleteIfExists(f);
            }
        }
        smallNanos.sort(null);
        largeNanos.sort(null);
        return new double[] {smallNanos.get(smallNanos.size() / 2) / 1000.0,
            largeNanos.get(largeNanos.size() / 2) / 1000.0};
    }

    private static void cutOnce(DmsnapProvider p, DmsnapOrigin origin, int i, List<Long> nanos) throws Exception {
        PendingSnapshot pending = p.prepare(SnapshotRequest.of("cut" + i, origin.source("cut")));
        long t0 = System.nanoTime();
        pending.cut();
        nanos.add(System.nanoTime() - t0);
        pending.complete();
        p.delete("cut" + i);
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
