package dev.quiesce.lvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helper: runs a command as an argument array with a bound, returning exit and output. */
final class Commands {
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Commands() {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return runWithin(60, command);
    }

    static Result runWithin(int seconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .directory(Path.of("/").toFile());
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(124, String.join(" ", command) + ": no answer within " + seconds + " s");
        }
        return new Result(process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    static String check(String... command) throws IOException, InterruptedException {
        Result result = run(command);
        if (!result.ok()) {
            throw new IOException(String.join(" ", command) + " exited " + result.exit() + ": " + result.output());
        }
        return result.output();
    }

    static boolean isRoot() {
        try {
            return check("id", "-u").equals("0");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static boolean installed(String tool) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
