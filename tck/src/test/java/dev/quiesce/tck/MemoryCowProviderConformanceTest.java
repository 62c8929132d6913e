package dev.quiesce.tck;

/** The honest in-memory copy-on-write provider against every SnapshotProvider rule. */
class MemoryCowProviderConformanceTest extends SnapshotProviderKit {
    @Override
    protected ProviderSubject createSubject() {
        return new MemoryCowSubject(MemoryCowProvider.Flaw.NONE);
    }

    @Override
    protected String subjectName() {
        return "MemoryCowProvider";
    }
}
