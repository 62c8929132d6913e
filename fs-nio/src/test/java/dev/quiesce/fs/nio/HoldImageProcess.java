package dev.quiesce.fs.nio;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/** A child JVM that mounts an image through the provider, says {@value #READY}, and waits to be killed. */
public final class HoldImageProcess {
    static final String READY = "OPEN";

    private HoldImageProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(Path.of(args[0]))) {
            System.out.println(READY + " " + fs);
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
