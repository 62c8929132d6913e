package dev.quiesce.lvm;

import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A JVM that freezes a mount for a lease and then just waits: the parent test kills or
 * stops it to prove the kernel hold does not outlive it. Prints {@code FROZEN} when the
 * freeze is held.
 */
final class FreezeChild {
    private FreezeChild() {
    }

    public static void main(String[] args) throws Exception {
        MountedFilesystem fs = MountedFilesystem.at(Path.of(args[0]));
        Duration lease = Duration.ofMillis(Long.parseLong(args[1]));
        FreezeHandle handle = fs.freeze(FreezeRequest.of("child").withLease(lease));
        System.out.println("FROZEN " + handle.holder());
        System.out.flush();
        // Renew the in-JVM lease for as long as this JVM runs, as a live owner would.
        while (true) {
            Thread.sleep(Math.max(10, lease.toMillis() / 4));
            handle.renew();
        }
    }
}
