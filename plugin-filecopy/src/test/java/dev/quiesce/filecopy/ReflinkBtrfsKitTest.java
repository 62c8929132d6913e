package dev.quiesce.filecopy;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * The conformance kit against the reflink technique, on a real btrfs made on a loop
 * device (one for the whole class). Where it cannot be made, every rule is skipped with
 * the reason.
 */
class ReflinkBtrfsKitTest extends SnapshotProviderKit {
    private LoopFilesystem filesystem;
    private String unavailable;

    /** The filesystem type to make; xfs overrides it. */
    String type() {
        return "btrfs";
    }

    @Override
    protected ProviderSubject createSubject() throws Exception {
        Assumptions.assumeTrue(unavailable == null, () -> unavailable);
        if (filesystem == null) {
            try {
                filesystem = LoopFilesystem.mount(type(), 320);
            } catch (TestAbortedException e) {
                unavailable = e.getMessage();
                throw e;
            }
        }
        return new FileCopySubject("reflink", filesystem.mountPoint());
    }

    @AfterAll
    void unmount() throws Exception {
        if (filesystem != null) {
            filesystem.close();
        }
    }
}
