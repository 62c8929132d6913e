package dev.quiesce.cli;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The top-level {@code quiesce} command: options every subcommand shares, and the list of them. */
@Dependent
@Command(name = "quiesce", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Consistent backups of live storage: freeze, cut, thaw, copy.",
        subcommands = {DemoCommand.class, MkfsCommand.class, FsckCommand.class, LsCommand.class, PutCommand.class, GetCommand.class,
            StatCommand.class, ProvidersCommand.class, SnapshotCommand.class, SnapshotsCommand.class,
            BackupCommand.class, RestoreCommand.class, KitCommand.class, MountCommand.class, UmountCommand.class,
            FreezeCommand.class})
public class QuiesceCommand implements Runnable {
    /** Every class the container must know, commands first. */
    static final Class<?>[] BEANS = {
        QuiesceCommand.class, DemoCommand.class, MkfsCommand.class, FsckCommand.class, LsCommand.class, PutCommand.class,
        GetCommand.class, StatCommand.class, ProvidersCommand.class, SnapshotCommand.class, SnapshotsCommand.class,
        SnapshotsCommand.ListSnapshots.class, SnapshotsCommand.DeleteSnapshot.class, BackupCommand.class,
        RestoreCommand.class, KitCommand.class, MountCommand.class, UmountCommand.class, FreezeCommand.class,
        Console.class, ProviderSettings.class, LifecycleTrace.class,
    };

    @Inject Console console;
    @Spec CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    void verbose(boolean verbose) {
        console.verbose(verbose);
    }

    @Option(names = "--no-progress", scope = ScopeType.INHERIT, negatable = false,
            description = "Do not draw progress bars.")
    void noProgress(boolean off) {
        console.progress(!off);
    }

    @Override
    public void run() {
        spec.commandLine().usage(console.out());
    }
}
