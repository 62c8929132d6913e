package dev.quiesce.core;

import dev.quiesce.core.freeze.FreezeHolds;
import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.FreezeState;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.ThawResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A Freezable that journals its real freezes and thaws; it can fail, or ignore renewals. */
final class JournalingFreezable implements Freezable {
    final AtomicInteger freezes = new AtomicInteger();
    final AtomicInteger thaws = new AtomicInteger();
    private final String name;
    private final Journal journal;
    private final FreezeHolds holds;
    volatile boolean failFreeze;
    volatile boolean ignoreRenew;

    JournalingFreezable(String name, Journal journal) {
        this.name = name;
        this.journal = journal;
        this.holds = new FreezeHolds(name, new FreezeHolds.Target() {
            @Override
            public Optional<BlockUsage> freeze(Duration timeout) throws FreezeException {
                if (failFreeze) {
                    throw new FreezeException(name, "refused by the test");
                }
                freezes.incrementAndGet();
                journal.add("freeze " + name);
                return Optional.of(BlockUsage.allUsed(512, 8));
            }

            @Override
            public void thaw() {
                thaws.incrementAndGet();
                journal.add("thaw " + name);
            }
        });
    }

    @Override public String name() { return name; }
    @Override public FreezeState state() { return holds.state(); }

    boolean frozenByCurrentThread() {
        return holds.frozenByCurrentThread();
    }

    @Override
    public FreezeHandle freeze(FreezeRequest request) throws FreezeException, InterruptedException {
        FreezeHandle real = holds.freeze(request);
        if (!ignoreRenew) {
            return real;
        }
        return new FreezeHandle() {
            @Override public String holder() { return real.holder(); }
            @Override public Duration lease() { return real.lease(); }
            @Override public ThawResult thaw() { return real.thaw(); }
            @Override public void renew() throws LeaseLapsedException, AlreadyThawedException { }
            @Override public boolean lapsed() { return real.lapsed(); }
            @Override public boolean isHeld() { return real.isHeld(); }
            @Override public Duration freezeDuration() { return real.freezeDuration(); }
        };
    }
}
