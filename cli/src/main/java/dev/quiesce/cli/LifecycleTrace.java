package dev.quiesce.cli;

import dev.quiesce.cdi.BackupFailed;
import dev.quiesce.cdi.BeforeFreeze;
import dev.quiesce.cdi.Frozen;
import dev.quiesce.cdi.SnapshotCut;
import dev.quiesce.cdi.SnapshotReady;
import dev.quiesce.cdi.Thawed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;

/**
 * The CLI observing its own snapshots, as any integrator would: with {@code --verbose},
 * each lifecycle event is traced on standard error. {@link Frozen} and
 * {@link SnapshotCut} arrive on the notification thread, so printing them never holds a
 * target frozen.
 */
@ApplicationScoped
public class LifecycleTrace {
    @Inject Console console;

    void beforeFreeze(@Observes BeforeFreeze e) {
        trace("BeforeFreeze " + e.operation() + " " + e.targets());
    }

    void frozen(@ObservesAsync Frozen e) {
        trace("Frozen " + e.target() + " (freeze took " + Sizes.millis(e.freezeTook()) + ")");
    }

    void cut(@ObservesAsync SnapshotCut e) {
        trace("SnapshotCut " + e.snapshot() + " by " + e.provider());
    }

    void thawed(@Observes Thawed e) {
        trace("Thawed " + e.targets() + " after a freeze window of " + Sizes.millis(e.freezeWindow()));
    }

    void ready(@Observes SnapshotReady e) {
        trace("SnapshotReady " + e.operation());
    }

    void failed(@Observes BackupFailed e) {
        trace("BackupFailed " + e.operation() + ": " + e.cause().getMessage());
    }

    private void trace(String line) {
        if (console.verbose()) {
            console.err().println("event: " + line);
            console.err().flush();
        }
    }
}
