package dev.quiesce.filecopy;

import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;
import java.nio.file.Path;

/** The conformance kit against the split-mirror technique. */
class SplitMirrorKitTest extends SnapshotProviderKit {
    @Override
    protected ProviderSubject createSubject() throws Exception {
        return new FileCopySubject("split-mirror", Path.of(System.getProperty("java.io.tmpdir")));
    }
}
