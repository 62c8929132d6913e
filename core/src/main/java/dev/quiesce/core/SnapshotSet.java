package dev.quiesce.core;

import dev.quiesce.spi.Freezable;
import dev.quiesce.spi.FreezeRequest;
import dev.quiesce.spi.QuiesceException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A write-order consistent snapshot of several targets at once (SPEC.md C1-C8):
 *
 * <pre>{@code
 * SnapshotSetResult r = SnapshotSet.builder()
 *         .member(dataFs, provider, SnapshotRequest.of("nightly-data", dataSource))
 *         .member(logFs, provider, SnapshotRequest.of("nightly-log", logSource))
 *         .take();
 * }</pre>
 *
 * Every member is prepared, then every target frozen in order, every member cut within
 * the freeze-window budget while the leases are renewed, every target thawed in reverse
 * order, and every snapshot completed. On any failure every target is thawed and every
 * cut aborted before the error is thrown. Each window is recorded as a JFR event
 * {@code dev.quiesce.FreezeWindow} and returned in the result.
 */
public final class SnapshotSet {
    /** VSS cancels its flush-and-hold after 10 s: the default freeze-window budget (C3). */
    public static final Duration DEFAULT_FREEZE_WINDOW = Duration.ofSeconds(10);

    private SnapshotSet() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the members and the bounds of one snapshot set. */
    public static final class Builder {
        private final List<Coordinator.Member> members = new ArrayList<>();
        private String holder = "quiesce";
        private Duration lease = FreezeRequest.DEFAULT_LEASE;
        private Duration freezeTimeout = FreezeRequest.DEFAULT_FREEZE_TIMEOUT;
        private Duration freezeWindow = DEFAULT_FREEZE_WINDOW;
        private System.Logger logger = System.getLogger(SnapshotSet.class.getName());

        private Builder() {
        }

        /**
         * Adds a member: {@code target} is frozen around the cut of {@code request} by
         * {@code provider}. {@code target} may be null only when the provider's cut
         * freezes the source by itself ({@code capabilities().freezesSourceItself()}),
         * and that covers only a filesystem the kernel has mounted on the source: for a
         * filesystem a process keeps on the device (the reference filesystem on a logical
         * volume, say) pass its {@link Freezable}, or the cut is merely crash-consistent.
         */
        public Builder member(Freezable target, SnapshotProvider provider, SnapshotRequest request) {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(request, "request");
            if (target == null && !provider.capabilities().freezesSourceItself()) {
                throw new IllegalArgumentException("snapshot '" + request.name() + "' of " + request.source().id()
                        + ": provider " + provider.name() + " does not freeze the source by itself, so a Freezable "
                        + "target is needed for a consistent cut");
            }
            members.add(new Coordinator.Member(target, provider, request));
            return this;
        }

        /** Who holds the freezes, for reports (default "quiesce"). */
        public Builder holder(String name) {
            this.holder = Objects.requireNonNull(name, "holder");
            return this;
        }

        /** The lease of each hold, renewed while the cut runs (C5). */
        public Builder lease(Duration value) {
            this.lease = positive(value, "lease");
            return this;
        }

        /** The bound on each freeze itself (F5). */
        public Builder freezeTimeout(Duration value) {
            this.freezeTimeout = positive(value, "freezeTimeout");
            return this;
        }

        /** The hard budget from the first freeze to the end of the cut (C3); 10 s by default. */
        public Builder freezeWindow(Duration value) {
            this.freezeWindow = positive(value, "freezeWindow");
            return this;
        }

        /** Where records go; only ever written outside the freeze window (C8). */
        public Builder logger(System.Logger value) {
            this.logger = Objects.requireNonNull(value, "logger");
            return this;
        }

        private static Duration positive(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + value);
            }
            return value;
        }

        /**
         * Takes the snapshots.
         *
         * @throws FreezeWindowExceededException if the cut overran the budget (C3)
         * @throws dev.quiesce.spi.LeaseLapsedException if a hold lapsed before the thaw (C5)
         * @throws dev.quiesce.spi.FreezeException if a target could not be frozen
         * @throws dev.quiesce.spi.SnapshotException if a provider failed
         * @throws InterruptedException if interrupted; everything was thawed and aborted
         */
        public SnapshotSetResult take() throws QuiesceException, InterruptedException {
            if (members.isEmpty()) {
                throw new IllegalStateException("a snapshot set needs at least one member");
            }
            Coordinator.Outcome o = new Coordinator(members, holder, lease, freezeTimeout, freezeWindow, logger).run();
            return new SnapshotSetResult(o.snapshots(), o.window(), o.freezing(), o.cutting());
        }
    }
}
