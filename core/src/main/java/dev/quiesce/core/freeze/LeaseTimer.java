package dev.quiesce.core.freeze;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread that lapses leases for every {@link FreezeHolds} in the JVM.
 * A daemon, so a forgotten hold never keeps the JVM alive; cancelled timers are removed
 * at once, so thousands of short holds leave nothing queued.
 */
final class LeaseTimer {
    private static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private LeaseTimer() {
    }

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "quiesce-lease-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return executor;
    }

    static ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return EXECUTOR.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
}
