package dev.quiesce.tck;

/** The core's block-level freeze against every Freezable rule. */
class BlockFreezeDeviceConformanceTest extends FreezableKit {
    @Override
    protected FreezableSubject createSubject() {
        return BlockSubject.honest();
    }

    @Override
    protected String subjectName() {
        return "BlockFreezeDevice";
    }
}
