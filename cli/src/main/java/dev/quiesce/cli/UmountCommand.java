package dev.quiesce.cli;

import dev.quiesce.fs.fuse.FuseMount;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quiesce umount DIR}: commits and unmounts a mount, or clears a dead one. */
@Dependent
@Command(name = "umount", mixinStandardHelpOptions = true,
        description = {"Unmount a reference-filesystem FUSE mount: a live one commits first and",
            "its 'quiesce mount' ends (refused while frozen); a dead one (its process was",
            "killed) is cleared."})
public class UmountCommand implements Callable<Integer> {
    @Inject Console console;

    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (!FuseMount.umount(dir)) {
            throw new CliException(ExitCode.NOT_FOUND, dir + ": nothing is mounted there");
        }
        console.out().printf("%s unmounted%n", dir);
        return ExitCode.OK;
    }
}
