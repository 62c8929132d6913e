package dev.quiesce.lvm;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.Rule;
import dev.quiesce.tck.SnapshotProviderKit;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;

/**
 * The SnapshotProvider kit against real LVM raid1 leg splits (runs in the guest). LVM
 * tracks changes for one split leg of a raid1 volume at a time, so the rules that take a
 * second snapshot of the same source while the first exists do not apply.
 */
@Order(4)
class LvmSplitMirrorKitGuestTest extends SnapshotProviderKit {
    private static final Set<String> TWO_OF_ONE_SOURCE = Set.of("S2", "S10", "S11");

    @BeforeAll
    void inGuest() {
        GuestLvm.assumeInGuest();
    }

    @Override
    protected ProviderSubject createSubject() throws Exception {
        return new LvmProviderSubject(LvmTechnique.SPLIT_MIRROR);
    }

    @Override
    protected Optional<String> notApplicable(Rule rule) {
        if (TWO_OF_ONE_SOURCE.contains(rule.name())) {
            return Optional.of("LVM tracks changes for one split leg of a raid1 volume at a time: a second "
                    + "snapshot of the same source is refused (ProviderBusyException) until the first is merged back");
        }
        return Optional.empty();
    }
}
