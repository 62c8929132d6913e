package dev.quiesce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Test images made through the CLI itself. */
final class Images {
    private Images() {
    }

    /** An image of {@code size} holding {@code files} random files of {@code fileBytes} each under /data. */
    static Path withFiles(Path dir, String name, String size, int files, int fileBytes) throws IOException {
        Path image = dir.resolve(name);
        expectOk(CliRun.inProcess("mkfs", image.toString(), "--size", size));
        Random random = new Random(name.hashCode());
        byte[] content = new byte[fileBytes];
        for (int i = 0; i < files; i++) {
            random.nextBytes(content);
            Path local = Files.write(dir.resolve(name + "-" + i + ".bin"), content);
            expectOk(CliRun.inProcess("put", "-p", image.toString(), local.toString(), "/data/f" + i));
        }
        return image;
    }

    static CliRun expectOk(CliRun run) {
        assertEquals(ExitCode.OK, run.exitCode(), run::toString);
        return run;
    }
}
