package dev.quiesce.filecopy;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;

/**
 * The conformance kit against the reflink technique, on a real btrfs made on a loop
 * device (one for the whole class). Where it cannot be made, every rule is skipped with
 * the reason.
 */
class ReflinkKitTest extends SnapshotProviderKit {
    private LoopFilesystem btrfs;
    private String unavailable;

    @Override
    protected ProviderSubject createSubject() throws Exception {
        Assumptions.assumeTrue(unavailable == null, () -> unavailable);
        if (btrfs == null) {
            try {
                btrfs = LoopFilesystem.mount("btrfs", 256);
            } catch (org.opentest4j.TestAbortedException e) {
                unavailable = e.getMessage();
                throw e;
            }
        }
        return new FileCopySubject("reflink", btrfs.mountPoint());
    }

    @AfterAll
    void unmount() throws Exception {
        if (btrfs != null) {
            btrfs.close();
        }
    }
}
