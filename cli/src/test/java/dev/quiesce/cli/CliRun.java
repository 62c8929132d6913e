package dev.quiesce.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of the CLI: its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code args} in this JVM through {@link Main#run}. */
    static CliRun inProcess(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The packaged jar, built by {@code mvn package} before the integration tests. */
    static Path jar() {
        Path jar = Paths.get(System.getProperty("quiesce.jar", "target/quiesce.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the executable jar " + jar.toAbsolutePath()
                    + " is missing: run the integration tests through 'mvn verify'");
        }
        return jar;
    }

    /** Runs {@code java -jar quiesce.jar args} as a separate process, bounded to two minutes. */
    static CliRun process(String... args) throws IOException, InterruptedException {
        Process process = start(args);
        return finish(process);
    }

    static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        // A build started in the background inherits SIGINT as ignored, and a JVM never
        // handles a signal that was ignored when it started: reset it, as a terminal would.
        command.add("env");
        command.add("--default-signal=INT");
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        // Short-lived test processes: start fast rather than peak fast.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }

    /**
     * Starts {@code quiesce args} as a child JVM on this test run's class path (no packaged
     * jar needed, so it runs in {@code mvn test}); output is left to the caller.
     */
    static Process startChild(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("env");
        command.add("--default-signal=INT");
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }

    /** Runs {@code quiesce args} as a child JVM on the test class path, bounded to two minutes. */
    static CliRun child(String... args) throws IOException, InterruptedException {
        return finish(startChild(args));
    }

    static CliRun finish(Process process) throws IOException, InterruptedException {
        var out = new java.util.concurrent.CompletableFuture<String>();
        var err = new java.util.concurrent.CompletableFuture<String>();
        drain(process.getInputStream(), out);
        drain(process.getErrorStream(), err);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("quiesce did not finish within two minutes");
        }
        return new CliRun(process.exitValue(), out.join(), err.join());
    }

    private static void drain(java.io.InputStream in, java.util.concurrent.CompletableFuture<String> into) {
        Thread t = new Thread(() -> {
            try (in) {
                into.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                into.completeExceptionally(e);
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
}
