package dev.quiesce.filecopy;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import java.nio.file.Path;

/** The conformance kit against the full-copy technique. */
class FullCopyKitTest extends SnapshotProviderKit {
    @Override
    protected ProviderSubject createSubject() throws Exception {
        return new FileCopySubject("full-copy", Path.of(System.getProperty("java.io.tmpdir")));
    }
}
