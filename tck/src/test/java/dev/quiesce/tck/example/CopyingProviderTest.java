package dev.quiesce.tck.example;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.tck.ProviderSubject;
import dev.quiesce.tck.SnapshotProviderKit;

/** The README's example run through the kit, as a vendor would. */
class CopyingProviderTest extends SnapshotProviderKit {
    @Override
    protected ProviderSubject createSubject() {
        CopyingProvider provider = new CopyingProvider();
        return new ProviderSubject() {
            private int sources;

            public SnapshotProvider provider() { return provider; }

            public SnapshotSource newSource() {
                String id = "disk-" + (++sources);
                return SnapshotSource.of(id, new MemoryBlockDevice(id, 512, 128));
            }

            public void close() { provider.close(); }
        };
    }

    @Override
    protected String subjectName() {
        return "readme-example";
    }
}
