package dev.quiesce.lvm;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;

/** The SnapshotProvider kit against real LVM thick snapshots (runs in the guest). */
@Order(3)
class LvmThickKitGuestTest extends SnapshotProviderKit {
    @BeforeAll
    void inGuest() {
        GuestLvm.assumeInGuest();
    }

    @Override
    protected ProviderSubject createSubject() throws Exception {
        return new LvmProviderSubject(LvmTechnique.THICK);
    }
}
