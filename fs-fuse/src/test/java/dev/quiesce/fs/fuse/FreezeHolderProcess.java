package dev.quiesce.fs.fuse;

import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import java.nio.file.Path;
import java.time.Duration;

/** A child JVM that freezes a mount through its control socket, says {@value #FROZEN}, and waits to be killed. */
public final class FreezeHolderProcess {
    static final String FROZEN = "FROZEN";

    private FreezeHolderProcess() {
    }

    public static void main(String[] args) throws Exception {
        FreezeHandle h = MountedFreezable.of(Path.of(args[0]))
                .freeze(new FreezeRequest("holder-process", Duration.ofMinutes(10), Duration.ofSeconds(30)));
        System.out.println(FROZEN + " " + h.isHeld());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(2).toMillis());
        h.thaw();
    }
}
