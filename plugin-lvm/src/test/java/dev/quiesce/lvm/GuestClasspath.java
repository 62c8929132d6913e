package dev.quiesce.lvm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The guest JVM's class path, staged as jars, and a class-data-sharing archive for it.
 *
 * <p>Staged: the guest reads the class path over 9p for minutes, and a jar reinstalled
 * into ~/.m2 or a class recompiled meanwhile must not change under it. Jars: only classes
 * from jars go into a CDS archive.
 *
 * <p>The archive: under emulation the guest JVM needed about half a minute to load the
 * JUnit launcher and the test classes, verifying each. A dynamic CDS archive dumped by
 * this host's JVM (the guest runs the same JDK from the shared root) holds them already
 * verified; it applies only if the guest sees the jars at the same paths, so the staging
 * goes under {@code target/guest/lib} when that path is visible in the guest (not under
 * /tmp, /run or /dev, which the guest mounts over), else into the results share without
 * an archive. A JVM that cannot use the archive ({@code -Xshare:auto}) just loads as before.
 */
final class GuestClasspath {
    /** Heap and compiler options of the guest JVM; the archive is dumped with the same ones. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");
    /** Paths the guest's init mounts over: the host's content there is invisible in the guest. */
    private static final List<String> HIDDEN_IN_GUEST = List.of("/tmp/", "/run/", "/dev/", "/proc/", "/sys/");

    /**
     * @param classpath the class path as the guest names it
     * @param archive   the CDS archive at a path the guest sees, if one was made
     * @param note      how the class path was staged, for the timing report
     */
    record Staged(String classpath, Optional<Path> archive, String note) {
        /** The JVM options that use the archive, if any. */
        List<String> sharingOptions() {
            return archive.map(a -> List.of("-XX:SharedArchiveFile=" + a, "-Xshare:auto")).orElse(List.of("-Xshare:auto"));
        }
    }

    private GuestClasspath() {
    }

    /**
     * Stages this JVM's test class path for the guest and dumps the archive by running
     * the launcher over {@code classes} here (they skip outside the guest, after loading).
     */
    static Staged stage(Path work, Path results, List<String> classes) throws IOException, InterruptedException {
        Path hostLib = work.resolve("lib").toAbsolutePath();
        boolean shared = HIDDEN_IN_GUEST.stream().noneMatch(p -> (hostLib + "/").startsWith(p));
        Path lib = shared ? hostLib : results.resolve("lib");
        String guestLib = shared ? hostLib.toString() : "/run/results/lib";
        List<String> entries = stageJars(lib);
        String hostClasspath = entries.stream().map(e -> lib.resolve(e).toString())
                .reduce((a, b) -> a + java.io.File.pathSeparator + b).orElse("");
        String guestClasspath = entries.stream().map(e -> guestLib + "/" + e)
                .reduce((a, b) -> a + java.io.File.pathSeparator + b).orElse("");
        if (!shared) {
            return new Staged(guestClasspath, Optional.empty(), "class path in the results share (" + hostLib
                    + " is hidden in the guest): no CDS archive");
        }
        Path archive = lib.resolve("guest.jsa");
        String why = dump(work, hostClasspath, archive, classes);
        return why == null ? new Staged(guestClasspath, Optional.of(archive), "CDS archive " + archive)
                : new Staged(guestClasspath, Optional.empty(), "no CDS archive: " + why);
    }

    /** Copies the jars and jars the directories, in class path order; returns the file names. */
    private static List<String> stageJars(Path lib) throws IOException {
        Files.createDirectories(lib);
        List<String> names = new ArrayList<>();
        int n = 0;
        for (String entry : TestClasspath.get().split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isRegularFile(path) && entry.endsWith(".jar")) {
                String name = (n++) + "-" + path.getFileName();
                Files.copy(path, lib.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                names.add(name);
            } else if (Files.isDirectory(path)) {
                String name = (n++) + "-" + path.getFileName() + ".jar";
                jar(path, lib.resolve(name));
                names.add(name);
            }
        }
        return names;
    }

    private static void jar(Path dir, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted().toList()) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (name.isEmpty()) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    zip.putNextEntry(new JarEntry(name + "/"));
                } else {
                    zip.putNextEntry(new JarEntry(name));
                    Files.copy(p, zip);
                }
                zip.closeEntry();
            }
        }
    }

    /** Runs the launcher here with {@code -XX:ArchiveClassesAtExit}; null if the archive was made, else why not. */
    private static String dump(Path work, String classpath, Path archive, List<String> classes)
            throws IOException, InterruptedException {
        Path scratch = Files.createDirectories(work.resolve("cds-dump"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ArchiveClassesAtExit=" + archive));
        command.addAll(JVM_OPTIONS);
        // Its kit reports say "skipped outside the guest": keep them away from target/tck-report.
        command.addAll(List.of("-Dquiesce.tck.reportDir=" + scratch.resolve("tck-report"), "-cp", classpath,
                "org.junit.platform.console.ConsoleLauncher", "execute", "--disable-banner", "--details=none",
                "--reports-dir=" + scratch.resolve("junit"),
                // Host unit tests of the provider's parsing load its classes as the guest will.
                "--select-class=dev.quiesce.lvm.LvsReportTest", "--select-class=dev.quiesce.lvm.LvmNamesTest"));
        for (String c : classes) {
            command.add("--select-class=" + c);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(scratch.resolve("dump.log").toFile()).start();
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "the dump run did not end within 120 s";
        }
        if (!Files.isRegularFile(archive)) {
            return "the dump run (exit " + process.exitValue() + ") wrote no archive; see "
                    + scratch.resolve("dump.log") + ": " + tail(scratch.resolve("dump.log"));
        }
        return null;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
