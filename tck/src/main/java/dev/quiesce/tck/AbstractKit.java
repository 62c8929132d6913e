package dev.quiesce.tck;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every kit shares: the report (one {@code target/tck-report/<subject>.json} per
 * run and a summary at the end of the output), the capability hook that marks a rule
 * NOT_APPLICABLE with a reason, the seed and the stress iteration count. Vendors extend
 * {@link BlockDeviceKit}, {@link FreezableKit} or {@link SnapshotProviderKit}, not this.
 *
 * <p>Every test is bounded: a kit test that hangs fails after {@link #TEST_TIMEOUT_SECONDS}
 * seconds instead of stalling the build.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(KitReporter.class)
@Timeout(AbstractKit.TEST_TIMEOUT_SECONDS)
public abstract class AbstractKit {
    /** The bound on any one kit test. */
    public static final long TEST_TIMEOUT_SECONDS = 180;

    AbstractKit() {
    }

    /** The contract this kit checks. */
    abstract Rule.Contract contract();

    /** The rules this kit checks: all of its contract. */
    public final Set<Rule> rules() {
        return Rule.of(contract());
    }

    /**
     * The name of the report file and of the subject in the summary; by default the
     * simple name of the vendor's test class.
     */
    protected String subjectName() {
        return getClass().getSimpleName();
    }

    /**
     * The capability hook: return a reason to report {@code rule} NOT_APPLICABLE for this
     * subject (for example "fsfreeze cannot stall a write in flight"). By default every
     * rule applies. A MUST rule marked not applicable shows in the report as such.
     */
    protected Optional<String> notApplicable(Rule rule) {
        return Optional.empty();
    }

    /**
     * Iterations of each race test (thaw vs thaw, thaw vs expiry, renew vs expiry, freeze
     * vs freeze): the system property {@code quiesce.stress.iterations}, 10,000 by default.
     */
    protected int stressIterations() {
        return Integer.getInteger("quiesce.stress.iterations", 10_000);
    }

    /** The seed of all random content: {@code quiesce.tck.seed}, fixed by default so runs repeat. */
    protected long seed() {
        return Long.getLong("quiesce.tck.seed", 20_261_201L);
    }

    @BeforeEach
    final void checkApplicable(TestInfo info) {
        // Tests a vendor adds to its subclass are not named after a rule and always run.
        Optional<Rule> rule = info.getTestMethod().flatMap(m -> Rule.ofTestName(m.getName()));
        Optional<String> reason = rule.flatMap(this::notApplicable);
        if (reason.isPresent()) {
            Assumptions.abort(reason.get());
        }
    }

    /** Ends the current test as NOT_APPLICABLE with {@code reason}. */
    static void notApplicableBecause(String reason) {
        Assumptions.abort(reason);
    }

    /** Closes every subject a test made, all of them even if one fails; the first failure is thrown. */
    static void closeAll(java.util.List<? extends AutoCloseable> subjects) throws Exception {
        Exception first = null;
        for (AutoCloseable s : subjects) {
            try {
                s.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        subjects.clear();
        if (first != null) {
            throw first;
        }
    }
}
