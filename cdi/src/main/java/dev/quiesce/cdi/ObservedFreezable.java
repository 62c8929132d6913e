package dev.quiesce.cdi;

import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.Freezable;
import java.time.Instant;

/**
 * A target as the facade hands it to the coordinator: freezing it also posts
 * {@link Frozen}, without waiting for any observer (the notice is handed to the
 * notification thread, see {@link LifecycleEvents#whileFrozen}).
 */
final class ObservedFreezable implements Freezable {
    private final Freezable target;
    private final String operation;
    private final LifecycleEvents events;

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
        events.whileFrozen(new Frozen(operation, target.name(), Instant.now(), hold.freezeDuration()));
        return hold;
    }

    @Override
    public FreezeState state() {
        return target.state();
    }
}
