package dev.quiesce.benchmarks.fuse;

import dev.quiesce.benchmarks.RatioTable;
import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.fuse.FuseMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * fio through a Dusk FUSE mount against fio on the host filesystem that holds the image,
 * side by side in the same run: sequential 1 MiB write and read, 4 KiB random write and
 * read. Each job runs on both sides in every round, back to back, the order alternating
 * round by round (host first, then mount first, ...) so that load changes hit both
 * alike; the round with the median ratio is reported, and every round's ratio is printed
 * under the table. Writes end with an fsync ({@code end_fsync=1}) on both sides, so
 * both pay for reaching the disk, not only the page cache. Reads read a file fio laid
 * out just before (not timed) without dropping it from the page cache first
 * ({@code invalidate=0}): fio's default drop would send the host's reads to the disk
 * while the mount's reach the image file, still cached by the host, so both sides read
 * from memory instead and the row measures what FUSE and Dusk add. Every job file is
 * deleted after its job.
 *
 * <pre>
 * FioBenchmark [--quick] [--dir DIR]
 *   --quick   64 MiB per job, at most 3 s each, 1 round (seconds in all); default 256 MiB, 8 s, 3 rounds
 *   --dir     where the host side and the image go (default /tmp); the image sits on the same filesystem
 * </pre>
 * Skips with a message (exit 0) when fio, /dev/fuse, libfuse2 or fusermount is missing.
 */
public final class FioBenchmark {
    private static final Pattern SIDE = Pattern.compile(
            "\"(read|write)\"\\s*:\\s*\\{[^{}]*?\"bw_bytes\"\\s*:\\s*(\\d+)[^{}]*?\"iops\"\\s*:\\s*([\\d.]+)");
    private static final long FIO_BOUND_SECONDS = 600;

    /** One fio job: what it does and which figure of fio's report it is judged by. */
    private record Job(String name, String rw, String bs, boolean write, boolean iops) {
        String measure() {
            return name + (iops ? " (IOPS)" : " (MiB/s)");
        }
    }

    private static final List<Job> JOBS = List.of(
            new Job("sequential write 1 MiB + fsync", "write", "1m", true, false),
            new Job("sequential read 1 MiB", "read", "1m", false, false),
            new Job("4 KiB random write + fsync", "randwrite", "4k", true, true),
            new Job("4 KiB random read", "randread", "4k", false, true));

    private FioBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path base = Path.of("/tmp");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--dir" -> base = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: FioBenchmark [--quick] [--dir DIR]");
            }
        }
        String missing = missingTools();
        if (missing != null) {
            System.out.println("SKIPPED FioBenchmark: " + missing);
            return;
        }
        int sizeMiB = quick ? 64 : 256;
        int runtime = quick ? 3 : 8;
        int rounds = quick ? 1 : 3;
        System.out.println(machine(base));
        Path work = Files.createTempDirectory(base, "fio-bench-");
        try {
            run(work, sizeMiB, runtime, rounds, quick);
        } finally {
            deleteTree(work);
        }
    }

    private static void run(Path work, int sizeMiB, int runtime, int rounds, boolean quick) throws Exception {
        Path host = Files.createDirectory(work.resolve("host"));
        Path mnt = Files.createDirectory(work.resolve("mnt"));
        Path image = work.resolve("dusk.img");
        // Room for one job file, the next one while the last one's blocks are freed, and metadata.
        long blocks = (4L * sizeMiB + 64) * 256;
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, blocks, false)) {
            Dusk.format(dev);
        }
        double[][][] measured = new double[JOBS.size()][rounds][2];
        int step = 0;
        int steps = rounds * JOBS.size() * 2;
        try (FuseMount mount = FuseMount.mount(image, mnt, false)) {
            for (int round = 0; round < rounds; round++) {
                for (int j = 0; j < JOBS.size(); j++) {
                    Job job = JOBS.get(j);
                    for (int k = 0; k < 2; k++) {
                        boolean onMount = (k == 0) == (round % 2 == 1);
                        Path dir = onMount ? mnt : host;
                        step++;
                        System.err.printf(Locale.ROOT, "[%d/%d] round %d, %s, %s ...%n", step, steps, round + 1,
                                job.name(), onMount ? "through the Dusk mount" : "host");
                        double v = fio(job, dir, sizeMiB, runtime);
                        System.err.printf(Locale.ROOT, "        %.1f %s%n", v, job.iops() ? "IOPS" : "MiB/s");
                        measured[j][round][onMount ? 0 : 1] = v;
                    }
                }
            }
        }
        RatioTable table = new RatioTable("Dusk FUSE mount vs host filesystem, fio (" + (quick ? "quick: " : "")
                + sizeMiB + " MiB per job, at most " + runtime + " s, median of " + rounds + " rounds)");
        StringBuilder all = new StringBuilder("ratio in each round:");
        for (int j = 0; j < JOBS.size(); j++) {
            Job job = JOBS.get(j);
            double[][] m = measured[j];
            Integer[] order = new Integer[rounds];
            for (int r = 0; r < rounds; r++) {
                order[r] = r;
            }
            java.util.Arrays.sort(order, Comparator.comparingDouble(r -> m[r][0] / m[r][1]));
            double[] median = m[order[rounds / 2]];
            table.add(job.measure(), median[0], median[1], job.iops() ? "IOPS" : "MiB/s",
                    RatioTable.Better.HIGHER, 0.5);
            all.append(String.format(Locale.ROOT, "%n  %s:", job.name()));
            for (int r = 0; r < rounds; r++) {
                all.append(String.format(Locale.ROOT, " %.2fx (%.0f vs %.0f)", m[r][0] / m[r][1], m[r][0], m[r][1]));
            }
        }
        table.print(System.out);
        System.out.println("(target: the issue sets none; 0.50x of the host is shown as a yardstick)");
        System.out.println(all);
    }

    /** Runs one fio job in {@code dir}, returns MiB/s or IOPS, and deletes its file. */
    private static double fio(Job job, Path dir, int sizeMiB, int runtime) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=bench", "--directory=" + dir,
                "--size=" + sizeMiB + "m", "--bs=" + job.bs(), "--rw=" + job.rw(), "--ioengine=psync",
                "--runtime=" + runtime, "--numjobs=1", "--randrepeat=1", "--invalidate=0", "--output-format=json"));
        if (job.write()) {
            cmd.add("--end_fsync=1");
        }
        Path out = Files.createTempFile("fio-", ".json");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(FIO_BOUND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("fio did not finish within " + FIO_BOUND_SECONDS + " s: " + cmd);
            }
            String json = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("fio failed (exit " + p.exitValue() + "): " + cmd + "\n" + json);
            }
            Matcher m = SIDE.matcher(json);
            while (m.find()) {
                if (m.group(1).equals(job.write() ? "write" : "read")) {
                    return job.iops() ? Double.parseDouble(m.group(3)) : Long.parseLong(m.group(2)) / 1048576.0;
                }
            }
            throw new IOException("no " + (job.write() ? "write" : "read") + " figures in fio's report:\n" + json);
        } finally {
            Files.deleteIfExists(out);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Why this machine cannot run the benchmark, or null if it can. */
    private static String missingTools() {
        if (!onPath("fio")) {
            return "fio is not installed (apt-get install fio)";
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return "no /dev/fuse on this machine";
        }
        if (!onPath("fusermount")) {
            return "fusermount is not installed (apt-get install fuse3)";
        }
        boolean libfuse2 = Stream.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/usr/lib64", "/usr/lib").anyMatch(d -> Files.exists(Path.of(d, "libfuse.so.2")));
        return libfuse2 ? null : "libfuse.so.2 is not installed (apt-get install libfuse2)";
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** The machine, for the results: CPUs, memory, kernel, JDK, load, and the host side's filesystem. */
    private static String machine(Path base) {
        String load = read(Path.of("/proc/loadavg"));
        String mem = read(Path.of("/proc/meminfo")).lines().findFirst().orElse("").replaceAll("\\s+", " ");
        String fsType;
        try {
            fsType = Files.getFileStore(base).type();
        } catch (IOException e) {
            fsType = "unknown (" + e.getMessage() + ")";
        }
        return String.format(Locale.ROOT, "machine: %d CPUs, %s, kernel %s, Java %s, load average %s, host side on %s (%s)",
                Runtime.getRuntime().availableProcessors(), mem, System.getProperty("os.version"),
                System.getProperty("java.version"), load.isEmpty() ? "?" : load.split(" ")[0] + " "
                        + load.split(" ")[1] + " " + load.split(" ")[2], base, fsType);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
