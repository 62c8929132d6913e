package dev.quiesce.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A second read-write mount of an image from another process is refused, not allowed to corrupt it. */
@Timeout(90)
class ImageLockTest {
    @TempDir
    Path tmp;

    @Test
    void anotherProcessCannotMountTheSameImage() throws Exception {
        Path image = tmp.resolve("locked.img");
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, 256, false)) {
            Dusk.format(dev);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HoldImageProcess.class.getName(), image.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    StringBuilder seen = new StringBuilder();
                    for (String l; (l = out.readLine()) != null; ) {
                        if (l.startsWith(HoldImageProcess.READY)) {
                            return l;
                        }
                        seen.append(l).append('\n');
                    }
                    return "ended: " + seen;
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
            assertTrue(line.startsWith(HoldImageProcess.READY), line);
            FileSystemException e = assertThrows(FileSystemException.class, () -> FileSystems.newFileSystem(image));
            assertTrue(e.getMessage().contains("mounted elsewhere"), e.getMessage());
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try (FileSystem fs = FileSystems.newFileSystem(image, Map.of())) {
            Files.writeString(fs.getPath("/after"), "mine now");
            assertEquals("mine now", Files.readString(fs.getPath("/after")));
        }
    }
}
