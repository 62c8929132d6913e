package dev.quiesce.tck;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The registry of every numbered rule in {@code spi/SPEC.md}, with its strength and the
 * contract whose kit checks it. The kit's own tests keep three things equal: the rules
 * in SPEC.md, the constants here, and the test methods of the kits (one method per rule,
 * named {@code <rule>_<what it checks>}, e.g. {@code F3_concurrentThawsReleaseOnce}), so a
 * rule cannot be added without a test. Coordinator rules (C) are checked by the core's
 * coordinator tests, which hold themselves to the same naming.
 */
public enum Rule {
    D1(Strength.MUST, Contract.BLOCK_DEVICE, "the block size is a power of two, at least 512, and never changes."),
    D2(Strength.MUST, Contract.BLOCK_DEVICE, "a transfer is a whole number of blocks inside the device; anything else fails with..."),
    D3(Strength.MUST, Contract.BLOCK_DEVICE, "`flush()` makes durable every write that completed before it was called."),
    D4(Strength.MUST, Contract.BLOCK_DEVICE, "a read returns the last completed write of each block, zeros if never written."),
    D5(Strength.MUST, Contract.BLOCK_DEVICE, "a read-only device or view refuses writes with `ReadOnlyDeviceException`."),
    D6(Strength.MUST, Contract.BLOCK_DEVICE, "safe for concurrent use."),
    F1(Strength.MUST, Contract.FREEZABLE, "`freeze` returns only when new mutations are blocked, in-flight ones have completed and everything written..."),
    F2(Strength.MUST, Contract.FREEZABLE, "after `freeze` returns and until the last hold is released, no write reaches the device."),
    F3(Strength.MUST, Contract.FREEZABLE, "`thaw()` is single-shot: of any number of thaws of one handle, from any threads at once, exactly one..."),
    F4(Strength.MUST, Contract.FREEZABLE, "a thaw racing the lease expiry releases once: the thaw reports `THAWED`/`STILL_FROZEN` or the expiry wins..."),
    F5(Strength.MUST, Contract.FREEZABLE, "a freeze that cannot complete within `freezeTimeout` fails with `FreezeTimeoutException` and leaves the..."),
    F6(Strength.MUST, Contract.FREEZABLE, "a freeze that fails or is interrupted leaves the target as it was, and mutations waiting on it proceed."),
    F7(Strength.MUST, Contract.FREEZABLE, "several holders may freeze at once; the target thaws only when the last hold is released, and earlier..."),
    F8(Strength.MUST, Contract.FREEZABLE, "the lease starts when the freeze completes, not when it was asked for; `renew()` extends it to now +..."),
    F9(Strength.MUST, Contract.FREEZABLE, "when the lease lapses the hold is released, `lapsed()` turns true, and a later `thaw()` reports `LAPSED`."),
    F10(Strength.MUST, Contract.FREEZABLE, "reads never block while frozen."),
    F11(Strength.MUST, Contract.FREEZABLE, "a mutation from the thread that holds the freeze fails fast with `TargetFrozenException` instead of..."),
    F12(Strength.MUST, Contract.FREEZABLE, "concurrent freezes never produce half a freeze: each either returns a hold on a fully frozen target or..."),
    F13(Strength.MUST, Contract.FREEZABLE, "closing a frozen target is refused with `TargetFrozenException`, and the target stays frozen and usable."),
    F14(Strength.MUST, Contract.FREEZABLE, "closing a handle thaws it; closing an already released handle does nothing."),
    F15(Strength.SHOULD, Contract.FREEZABLE, "a block-usage bitmap, when reported, marks every block the frozen image needs."),
    F16(Strength.MUST, Contract.FREEZABLE, "mutations that waited while frozen complete after the last thaw, none lost."),
    S1(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "a snapshot reads back byte for byte what the source held at the cut (for the blocks in use when a usage..."),
    S2(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "later writes to the source never change the snapshot."),
    S3(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "snapshot views are read-only (D5)."),
    S4(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "create is idempotent by name: the same name and source returns the same snapshot (same id), and aborting..."),
    S5(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "the same name for another source fails with `SnapshotNameConflictException`, changing nothing."),
    S6(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "deleting a missing snapshot succeeds; a deleted one is no longer listed and its name can be reused."),
    S7(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "abort at any step (after prepare, after cut) leaks nothing: no listed snapshot, no file, no store space."),
    S8(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "capabilities are truthful: a claimed technique is what snapshots report, and a source `supports` accepts..."),
    S9(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "the cut writes nothing to the frozen source outside the provider's own copy-on-write machinery, and never..."),
    S10(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "`list()` shows every snapshot created and not deleted, with its name, source and technique."),
    S11(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "deleting one snapshot leaves every other one exact."),
    S12(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "a source the provider does not support fails in `prepare` with `UnsupportedSourceException`, touching nothing."),
    S13(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "an invalid snapshot (its store overflowed) fails every read with `InvalidSnapshotException`, never..."),
    S14(Strength.MUST, Contract.SNAPSHOT_PROVIDER, "a snapshot completes (`isReady()`) after `complete()`, and reads as S1 from then on."),
    C1(Strength.MUST, Contract.COORDINATOR, "prepare before the freeze, cut under it, complete after the thaw."),
    C2(Strength.MUST, Contract.COORDINATOR, "the target is thawed exactly once on every path: success, provider error, freeze-window overrun, interrupt."),
    C3(Strength.MUST, Contract.COORDINATOR, "the freeze window has a hard budget (default 10 s, as VSS); a cut that overruns it is abandoned, the..."),
    C4(Strength.MUST, Contract.COORDINATOR, "every freeze window is measured, returned in the result and recorded as a JFR event."),
    C5(Strength.MUST, Contract.COORDINATOR, "the lease is renewed while the cut runs; a lease that lapses anyway discards the snapshot and fails loudly..."),
    C6(Strength.MUST, Contract.COORDINATOR, "a snapshot set over several targets freezes all, cuts all, then thaws all in reverse order of freezing."),
    C7(Strength.MUST, Contract.COORDINATOR, "when any step of a set fails, every cut made is aborted and every target frozen is thawed."),
    C8(Strength.MUST, Contract.COORDINATOR, "the coordinator writes no log record from the freezing thread while a target is frozen.");

    /** Which contract a rule belongs to, and so which kit checks it. */
    public enum Contract {
        /** {@link BlockDeviceKit}. */
        BLOCK_DEVICE,
        /** {@link FreezableKit}. */
        FREEZABLE,
        /** {@link SnapshotProviderKit}. */
        SNAPSHOT_PROVIDER,
        /** The coordinator in {@code quiesce-core}, checked by its own tests. */
        COORDINATOR
    }

    private final Strength strength;
    private final Contract contract;
    private final String summary;

    Rule(Strength strength, Contract contract, String summary) {
        this.strength = strength;
        this.contract = contract;
        this.summary = summary;
    }

    public Strength strength() {
        return strength;
    }

    public Contract contract() {
        return contract;
    }

    /** The rule's text in SPEC.md, shortened. */
    public String summary() {
        return summary;
    }

    /** Every rule of one contract. */
    public static Set<Rule> of(Contract contract) {
        Set<Rule> rules = EnumSet.noneOf(Rule.class);
        for (Rule r : values()) {
            if (r.contract == contract) {
                rules.add(r);
            }
        }
        return rules;
    }

    /**
     * The rule a kit test method is named after: the part of {@code methodName} before
     * the first underscore, if it names a rule.
     */
    public static Optional<Rule> ofTestName(String methodName) {
        int cut = methodName.indexOf('_');
        if (cut <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(methodName.substring(0, cut)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
