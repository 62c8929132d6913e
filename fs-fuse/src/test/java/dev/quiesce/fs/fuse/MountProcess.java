package dev.quiesce.fs.fuse;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM that mounts an image until it is unmounted or signalled, as
 * {@code quiesce mount IMAGE DIR} will: prints {@value #READY} once mounted.
 */
public final class MountProcess {
    static final String READY = "MOUNTED";

    private MountProcess() {
    }

    public static void main(String[] args) throws Exception {
        FuseMount m = FuseMount.mount(Path.of(args[0]), Path.of(args[1]), args.length > 2 && args[2].equals("--read-only"));
        System.out.println(READY + " " + m.controlSocket());
        System.out.flush();
        // Bounded per wait; the test kills or signals this process well within the total.
        for (int i = 0; i < 60 && !m.awaitUnmounted(Duration.ofSeconds(10)); i++) {
            continue;
        }
        System.out.println("UNMOUNTED");
    }
}
