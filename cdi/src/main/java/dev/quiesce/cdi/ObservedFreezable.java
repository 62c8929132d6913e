package dev.quiesce.cdi;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.Freezable;
import java.time.Instant;
import java.util.Optional;

/**
 * A target as the facade hands it to the coordinator: freezing it also posts
 * {@link Frozen}, without waiting for any observer (the notice is handed to the
 * notification thread, see {@link LifecycleEvents#whileFrozen}), and keeps the block-usage
 * bitmap the freeze reported, for the result.
 */
final class ObservedFreezable implements Freezable {
    private final Freezable target;
    private final String operation;
    private final LifecycleEvents events;
    private volatile Optional<BlockUsage> usage = Optional.empty();

    ObservedFreezable(Freezable target, String operation, LifecycleEvents events) {
        this.target = target;
        this.operation = operation;
        this.events = events;
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        FreezeHandle hold = target.freeze(request);
        usage = hold.blockUsage();
        events.whileFrozen(new Frozen(operation, target.name(), Instant.now(), hold.freezeDuration()));
        return hold;
    }

    /** The bitmap the last freeze reported (F15), if any. */
    Optional<BlockUsage> usageAtFreeze() {
        return usage;
    }

    @Override
    public FreezeState state() {
        return target.state();
    }
}
