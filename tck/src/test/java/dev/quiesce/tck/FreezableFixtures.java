package dev.quiesce.tck;

import java.util.List;

/**
 * Broken {@link dev.quiesce.spi.Freezable}s run through {@link FreezableKit} by
 * {@link KitSelfTest}: each nested class is named after the one rule its flaw must make
 * fail. Nested (and so never picked up by Surefire on their own).
 */
final class FreezableFixtures {
    private FreezableFixtures() {
    }

    /** Every fixture; the self-test runs them all. */
    static final List<Class<? extends FreezableKit>> ALL = List.of(
            F1_noFlush.class,
            F2_writeThroughWhileWaiting.class,
            F3_unguardedThaw.class,
            F4_timerRacesThaw.class,
            F5_noRollbackOnTimeout.class,
            F6_noRollbackOnInterrupt.class,
            F7_twoHolderSlots.class,
            F8_leaseFromRequest.class,
            F9_lapseDefersRelease.class,
            F10_readsQueueBehindWriters.class,
            F11_holderWriteWaits.class,
            F12_piggybackOnDrainingFreeze.class,
            F13_closeIgnoresFreeze.class,
            F14_closeDoesNotThaw.class,
            F15_emptyUsage.class,
            F16_dropsWaitingWrites.class);

    /** The flawed device with a flaw; iterations capped so the self-test stays short. */
    abstract static class Flawed extends FreezableKit {
        private final FlawedFreezeDevice.Flaw flaw;

        Flawed(FlawedFreezeDevice.Flaw flaw) {
            this.flaw = flaw;
        }

        @Override
        protected FreezableSubject createSubject() {
            return new BlockSubject(d -> new FlawedFreezeDevice(d, flaw));
        }

        @Override
        protected int stressIterations() {
            return Math.min(super.stressIterations(), KitSelfTest.FIXTURE_ITERATIONS);
        }

        @Override
        protected String subjectName() {
            return "fixture-" + getClass().getSimpleName();
        }
    }

    /** The same device without a flaw: it must pass every rule, or the flaws prove nothing. */
    static final class Flawless extends Flawed {
        Flawless() {
            super(FlawedFreezeDevice.Flaw.NONE);
        }
    }

    /** F1_NO_FLUSH. */
    static final class F1_noFlush extends Flawed {
        F1_noFlush() {
            super(FlawedFreezeDevice.Flaw.F1_NO_FLUSH);
        }
    }

    /** F2_WRITE_THROUGH_WHILE_WAITING. */
    static final class F2_writeThroughWhileWaiting extends Flawed {
        F2_writeThroughWhileWaiting() {
            super(FlawedFreezeDevice.Flaw.F2_WRITE_THROUGH_WHILE_WAITING);
        }
    }

    /** F3_UNGUARDED_THAW. */
    static final class F3_unguardedThaw extends Flawed {
        F3_unguardedThaw() {
            super(FlawedFreezeDevice.Flaw.F3_UNGUARDED_THAW);
        }
    }

    /** F4_TIMER_RACES_THAW. */
    static final class F4_timerRacesThaw extends Flawed {
        F4_timerRacesThaw() {
            super(FlawedFreezeDevice.Flaw.F4_TIMER_RACES_THAW);
        }
    }

    /** F5_NO_ROLLBACK_ON_TIMEOUT. */
    static final class F5_noRollbackOnTimeout extends Flawed {
        F5_noRollbackOnTimeout() {
            super(FlawedFreezeDevice.Flaw.F5_NO_ROLLBACK_ON_TIMEOUT);
        }
    }

    /** F6_NO_ROLLBACK_ON_INTERRUPT. */
    static final class F6_noRollbackOnInterrupt extends Flawed {
        F6_noRollbackOnInterrupt() {
            super(FlawedFreezeDevice.Flaw.F6_NO_ROLLBACK_ON_INTERRUPT);
        }
    }

    /** F7_TWO_HOLDER_SLOTS. */
    static final class F7_twoHolderSlots extends Flawed {
        F7_twoHolderSlots() {
            super(FlawedFreezeDevice.Flaw.F7_TWO_HOLDER_SLOTS);
        }
    }

    /** F8_LEASE_FROM_REQUEST. */
    static final class F8_leaseFromRequest extends Flawed {
        F8_leaseFromRequest() {
            super(FlawedFreezeDevice.Flaw.F8_LEASE_FROM_REQUEST);
        }
    }

    /** F9_LAPSE_DEFERS_RELEASE. */
    static final class F9_lapseDefersRelease extends Flawed {
        F9_lapseDefersRelease() {
            super(FlawedFreezeDevice.Flaw.F9_LAPSE_DEFERS_RELEASE);
        }
    }

    /** F10_READS_QUEUE_BEHIND_WRITERS. */
    static final class F10_readsQueueBehindWriters extends Flawed {
        F10_readsQueueBehindWriters() {
            super(FlawedFreezeDevice.Flaw.F10_READS_QUEUE_BEHIND_WRITERS);
        }
    }

    /** F11_HOLDER_WRITE_WAITS. */
    static final class F11_holderWriteWaits extends Flawed {
        F11_holderWriteWaits() {
            super(FlawedFreezeDevice.Flaw.F11_HOLDER_WRITE_WAITS);
        }
    }

    /** F12_PIGGYBACK_ON_DRAINING_FREEZE. */
    static final class F12_piggybackOnDrainingFreeze extends Flawed {
        F12_piggybackOnDrainingFreeze() {
            super(FlawedFreezeDevice.Flaw.F12_PIGGYBACK_ON_DRAINING_FREEZE);
        }
    }

    /** F13_CLOSE_IGNORES_FREEZE. */
    static final class F13_closeIgnoresFreeze extends Flawed {
        F13_closeIgnoresFreeze() {
            super(FlawedFreezeDevice.Flaw.F13_CLOSE_IGNORES_FREEZE);
        }
    }

    /** F14_CLOSE_DOES_NOT_THAW. */
    static final class F14_closeDoesNotThaw extends Flawed {
        F14_closeDoesNotThaw() {
            super(FlawedFreezeDevice.Flaw.F14_CLOSE_DOES_NOT_THAW);
        }
    }

    /** F15_EMPTY_USAGE. */
    static final class F15_emptyUsage extends Flawed {
        F15_emptyUsage() {
            super(FlawedFreezeDevice.Flaw.F15_EMPTY_USAGE);
        }
    }

    /** F16_DROPS_WAITING_WRITES. */
    static final class F16_dropsWaitingWrites extends Flawed {
        F16_dropsWaitingWrites() {
            super(FlawedFreezeDevice.Flaw.F16_DROPS_WAITING_WRITES);
        }
    }
}
