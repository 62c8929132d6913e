package dev.quiesce.lvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Boots Debian's kernel in qemu (software emulation: this machine's kernel has no
 * device-mapper and its KVM cannot run a stock kernel) and runs every {@code *GuestTest}
 * class inside it, on this host's JDK, with the JUnit console launcher. Each guest test
 * comes back as one dynamic test here, passed, failed or skipped as it was in the guest.
 *
 * <p>The guest mounts the host's root read-only over 9p and {@code target/guest/results}
 * writable, gets eight sparse scratch disks as virtio drives (a volume group per class),
 * chroots into the host root and runs {@code results/guest-run.sh}; see {@code shared/reference/real-lvm-in-a-vm.md}.
 * The kernel and initramfs come from {@code .ci/setup.d/plugin-lvm.sh}. The kits' reports
 * are copied to {@code target/tck-report/}.
 *
 * <p>Where the guest's time goes is written to {@code target/guest/}: {@code timing.txt}
 * (qemu's wall and CPU time, and whether the class-data archive of {@link GuestClasspath}
 * was used) and {@code results/timeline.log} (guest uptime at each class's and test's
 * start and end, from {@link GuestTimeline}). Under emulation the guest's cost is mostly
 * CPU: the JVM (about two thirds) and one {@code lvm} process per LVM command.
 *
 * <p>Off unless {@code -Pguest} (or {@code -Dquiesce.guest=true}); then it still skips,
 * with the reason, where it cannot run (not root, no qemu, no prepared kernel).
 */
class GuestRunnerTest {
    /** The whole guest run, boot to power-off; the CI budget for it is 5 minutes. */
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("quiesce.guest.seconds", 290));
    private static final String QEMU = "qemu-system-x86_64";

    @TestFactory
    Stream<DynamicTest> guestTests() throws Exception {
        Path guestDir = Path.of(System.getProperty("quiesce.guest.dir", "/var/cache/quiesce-lvm-guest"));
        String unavailable = unavailable(guestDir);
        if (unavailable != null) {
            // One skipped test with the reason: visible in every report, never a pass.
            return Stream.of(DynamicTest.dynamicTest("guest tests (LVM, device-mapper, end to end)",
                    () -> Assumptions.abort(unavailable)));
        }
        Path work = Path.of("target", "guest").toAbsolutePath();
        deleteTree(work);
        dropOldGuestReports(Path.of("target", "tck-report"));
        Path results = Files.createDirectories(work.resolve("results"));
        Files.createDirectories(results.resolve("junit"));
        Files.createDirectories(results.resolve("tck-report"));
        List<String> classes = guestClasses();
        String only = System.getProperty("quiesce.guest.select", "");
        if (!only.isBlank()) {
            List<String> wanted = List.of(only.split(","));
            classes = classes.stream().filter(c -> wanted.stream().anyMatch(c::endsWith)).toList();
        }
        if (classes.isEmpty()) {
            return Stream.of(DynamicTest.dynamicTest("guest tests", () -> Assumptions.abort(
                    "no *GuestTest classes selected in target/test-classes")));
        }
        GuestClasspath.Staged classpath = GuestClasspath.stage(work, results, classes);
        writeScript(results.resolve("guest-run.sh"), classes, classpath);
        List<Path> disks = new ArrayList<>();
        for (int i = 1; i <= GuestLvm.DISKS; i++) {
            Path disk = work.resolve("disk" + i + ".img");
            try (var channel = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate(0);
                channel.write(java.nio.ByteBuffer.allocate(1), (1L << 30) - 1);
            }
            disks.add(disk);
        }

        long start = System.nanoTime();
        Path console = work.resolve("console.log");
        int exit = boot(guestDir, results, disks, console);
        String qemuCpu = tail(console).lines().filter(l -> l.startsWith("qemu cpu:")).findFirst().orElse("unknown");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Files.writeString(work.resolve("timing.txt"), "guest run: " + took.toMillis() + " ms, qemu exit " + exit
                + ", qemu CPU " + qemuCpu + "\n" + classpath.note() + "\n");
        copyReports(results.resolve("tck-report"), Path.of("target", "tck-report"));
        for (Path disk : disks) {
            Files.deleteIfExists(disk);
        }
        return results(results, classes, work, exit, took);
    }

    /** Why the guest cannot run here, or null if it can. */
    private static String unavailable(Path guestDir) {
        if (!Boolean.getBoolean("quiesce.guest")) {
            return "guest tests are off: run with -Pguest (or -Dquiesce.guest=true); .ci/run always does";
        }
        if (!Commands.isRoot()) {
            return "guest tests need root (qemu shares / over 9p and makes loop devices): not root";
        }
        if (!Commands.installed(QEMU) || !Commands.installed("timeout")) {
            return "guest tests need qemu-system-x86 and timeout: no qemu; run .ci/setup.d/plugin-lvm.sh";
        }
        if (!Files.isRegularFile(guestDir.resolve("READY"))) {
            return "no guest kernel prepared in " + guestDir + ": run .ci/setup.d/plugin-lvm.sh";
        }
        return null;
    }

    /**
     * The launcher's class order. Every class starts at once (see {@link #writeScript}), so
     * this only decides which thread gets going first; the end-to-end tests lead.
     */
    private static final List<String> PRIORITY = List.of("HostFreezeEndToEndGuestTest", "DuskEndToEndGuestTest",
            "DmsnapKernelCrossCheckGuestTest", "LvmThickKitGuestTest", "LvmSplitMirrorKitGuestTest", "LvmThinKitGuestTest");

    private static List<String> guestClasses() throws IOException {
        Path testClasses = Path.of("target", "test-classes");
        try (Stream<Path> files = Files.walk(testClasses)) {
            return files.map(p -> testClasses.relativize(p).toString())
                    .filter(p -> p.endsWith("GuestTest.class") && !p.contains("$"))
                    .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
                    .sorted(Comparator.comparingInt(GuestRunnerTest::priority).thenComparing(c -> c)).toList();
        }
    }

    private static int priority(String className) {
        int i = PRIORITY.indexOf(className.substring(className.lastIndexOf('.') + 1));
        return i < 0 ? PRIORITY.size() : i;
    }

    private static void writeScript(Path script, List<String> classes, GuestClasspath.Staged classpath)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The guest's uptime is about qemu's run time. After the launcher's deadline: 3 s for
        // the JVM to go after SIGTERM (then SIGKILL), and sync and power-off, which took 2 s.
        long deadline = BUDGET.toSeconds() - 12;
        List<String> jvm = new ArrayList<>(GuestClasspath.JVM_OPTIONS);
        jvm.addAll(classpath.sharingOptions());
        // One exec per LVM command instead of two (jspawnhelper, then lvm): each costs under emulation.
        jvm.add("-Djdk.lang.Process.launchMechanism=VFORK");
        StringBuilder text = new StringBuilder("# Written by GuestRunnerTest; runs inside the guest, chrooted into "
                + "the host root.\n"
                + "mkdir -p /run/lvm-conf\n"
                + "cat > /run/lvm-conf/lvm.conf <<'EOF'\n"
                // No udev, no daemons; and no probing the scratch disks for md, multipath or
                // firmware RAID signatures, which every command would otherwise read again.
                + "global { use_lvmpolld = 0 event_activation = 0 notify_dbus = 0 }\n"
                + "activation { udev_sync = 0 udev_rules = 0 monitoring = 0 verify_udev_operations = 0 }\n"
                + "devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 filter = [ \"a|^/dev/vd|\", \"r|.*|\" ]"
                + " md_component_detection = 0 multipath_component_detection = 0 fw_raid_component_detection = 0 }\n"
                + "backup { backup = 0 archive = 0 }\n"
                + "EOF\n"
                + "export LVM_SYSTEM_DIR=/run/lvm-conf\n"
                + "cd /run\n"
                + "s=$(cut -d. -f1 /proc/uptime)\n"
                + "timeout --kill-after=3 $(( " + deadline + " - s )) '" + java + "' -Dquiesce.in.guest=true"
                + " -Dquiesce.tck.reportDir=/run/results/tck-report -Dquiesce.guest.timeline=/run/results/timeline.log "
                + String.join(" ", jvm)
                + " -cp '" + classpath.classpath() + "' org.junit.platform.console.ConsoleLauncher execute"
                + " --disable-banner --details=testfeed --reports-dir=/run/results/junit"
                + " '--config=junit.jupiter.testclass.order.default=org.junit.jupiter.api.ClassOrderer$OrderAnnotation'"
                // Every class at once, tests within a class in order: each class has its own
                // volume group, and the guest's CPUs are otherwise idle while a class waits
                // for an LVM command or a raid1 sync.
                + " --config=junit.jupiter.execution.parallel.enabled=true"
                + " --config=junit.jupiter.execution.parallel.mode.default=same_thread"
                + " --config=junit.jupiter.execution.parallel.mode.classes.default=concurrent"
                + " --config=junit.jupiter.execution.parallel.config.strategy=fixed"
                + " --config=junit.jupiter.execution.parallel.config.fixed.parallelism=" + classes.size());
        for (String c : classes) {
            text.append(" --select-class=").append(c);
        }
        text.append(" > /run/results/launcher.log 2>&1\n")
            .append("echo \"launcher exit $? after $(( $(cut -d. -f1 /proc/uptime) - s )) s, started at uptime $s s\" > /run/results/timing\n");
        Files.writeString(script, text.toString(), StandardCharsets.UTF_8);
    }

    private static int boot(Path guestDir, Path results, List<Path> disks, Path console)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/time"))) {
            // What the guest cost this machine, whatever else ran beside it: the budget's real measure.
            command.addAll(List.of("/usr/bin/time", "-f", "qemu cpu: %U s user, %S s sys, %e s elapsed"));
        }
        command.addAll(List.of("timeout", "--kill-after=10", Long.toString(BUDGET.toSeconds()),
                QEMU, "-accel", "tcg,thread=multi", "-cpu", "max", "-m", "1536", "-smp", "2",
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-no-reboot", "-kernel", guestDir.resolve("vmlinux").toString(),
                "-initrd", guestDir.resolve("initramfs.cpio.gz").toString(),
                // tsc=reliable: without it the kernel falls back to the emulated HPET, and every
                // clock read the JVM makes becomes a system call (measured 5x slower).
                "-append", "console=ttyS0 quiet panic=-1 no_timer_check tsc=reliable",
                "-fsdev", "local,id=hr,path=/,security_model=none,readonly=on,multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=hr,mount_tag=hostroot",
                "-fsdev", "local,id=rs,path=" + results + ",security_model=none,multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=rs,mount_tag=results"));
        for (Path disk : disks) {
            command.add("-drive");
            command.add("file=" + disk + ",format=raw,if=virtio,cache=unsafe");
        }
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        if (!qemu.waitFor(BUDGET.toSeconds() + 30, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
            return 124;
        }
        return qemu.exitValue();
    }

    private static Stream<DynamicTest> results(Path results, List<String> classes, Path work, int exit,
                                               Duration took) throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> reports;
        try (Stream<Path> files = Files.list(results.resolve("junit"))) {
            reports = files.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        }
        if (!reports.isEmpty()) {
            for (Path report : reports) {
                NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                        .getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    tests.add(dynamic((Element) cases.item(i)));
                }
            }
        } else {
            for (String c : classes) {
                tests.addAll(fromFeed(c.substring(c.lastIndexOf('.') + 1), results.resolve("launcher.log")));
            }
        }
        String log = tail(results.resolve("timing")) + "\n--- launcher ---\n" + tail(results.resolve("launcher.log"))
                + "\n--- console ---\n" + tail(work.resolve("console.log"));
        tests.add(DynamicTest.dynamicTest("guest booted, ran its tests and powered off", () -> Assertions.assertTrue(
                Files.exists(results.resolve("timing")) && exit == 0,
                "qemu exit " + exit + " after " + took.toSeconds() + " s; last output:\n" + log)));
        return tests.stream();
    }

    /**
     * A class cut off by the budget has no XML: its test feed says which tests passed or
     * failed; the one running when time ran out is reported as not finished.
     */
    private static List<DynamicTest> fromFeed(String simple, Path feed) throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<String> lines = Files.exists(feed) ? Files.readAllLines(feed) : List.of();
        java.util.Set<String> started = new java.util.LinkedHashSet<>();
        boolean classFinished = false;
        for (String raw : lines) {
            String line = raw.replaceAll("\u001b\\[[0-9;]*m", "");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("> ([^>]+?) :: (STARTED|SUCCESSFUL|FAILED|ABORTED|SKIPPED)")
                    .matcher(line);
            if (!m.find() || !line.contains(simple)) {
                continue;
            }
            String test = m.group(1).strip();
            if (test.equals(simple)) {
                classFinished = !m.group(2).equals("STARTED");
                continue;
            }
            if (test.equals("JUnit Jupiter")) {
                continue;
            }
            switch (m.group(2)) {
                case "STARTED" -> started.add(test);
                case "SUCCESSFUL" -> {
                    started.remove(test);
                    tests.add(DynamicTest.dynamicTest("guest: " + simple + "." + test, () -> { }));
                }
                case "FAILED" -> {
                    started.remove(test);
                    tests.add(DynamicTest.dynamicTest("guest: " + simple + "." + test,
                            () -> Assertions.fail("failed in the guest; see target/guest/results/" + simple + ".log")));
                }
                default -> {
                    started.remove(test);
                    tests.add(DynamicTest.dynamicTest("guest: " + simple + "." + test,
                            () -> Assumptions.abort("skipped in the guest")));
                }
            }
        }
        for (String test : started) {
            tests.add(DynamicTest.dynamicTest("guest: " + simple + "." + test, () -> Assumptions.abort(
                    "cut off: the guest budget of " + BUDGET.toSeconds() + " s ran out while it ran")));
        }
        if (tests.isEmpty()) {
            tests.add(DynamicTest.dynamicTest("guest: " + simple, () -> Assumptions.abort(
                    "not reached: the guest budget of " + BUDGET.toSeconds() + " s ran out before it")));
        } else if (!classFinished) {
            tests.add(DynamicTest.dynamicTest("guest: " + simple + " (tests not reached)", () -> Assumptions.abort(
                    "the guest budget of " + BUDGET.toSeconds() + " s ran out during this class")));
        }
        return tests;
    }

    private static DynamicTest dynamic(Element testcase) {
        String name = testcase.getAttribute("classname").replace("dev.quiesce.lvm.", "") + "."
                + testcase.getAttribute("name");
        Element failure = first(testcase, "failure");
        Element error = first(testcase, "error");
        Element skipped = first(testcase, "skipped");
        return DynamicTest.dynamicTest("guest: " + name, () -> {
            if (failure != null || error != null) {
                Element e = failure != null ? failure : error;
                Assertions.fail("in the guest: " + e.getAttribute("message") + "\n" + e.getTextContent());
            }
            if (skipped != null) {
                String why = skipped.getAttribute("message");
                Assumptions.abort("skipped in the guest: " + (why.isEmpty() ? skipped.getTextContent() : why));
            }
        });
    }

    private static Element first(Element parent, String tag) {
        NodeList list = parent.getElementsByTagName(tag);
        return list.getLength() == 0 ? null : (Element) list.item(0);
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no " + file.getFileName() + ": " + e.getMessage() + ")";
        }
    }

    private static void copyReports(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A kit report left by an earlier guest run must not pass for this run's. */
    private static void dropOldGuestReports(Path reports) throws IOException {
        if (!Files.isDirectory(reports)) {
            return;
        }
        try (Stream<Path> files = Files.list(reports)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("GuestTest.json")).toList()) {
                Files.delete(f);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
