package dev.quiesce.lvm;

import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;

/**
 * The Freezable conformance kit on a real ext4 on a loop device, frozen by the kernel
 * through {@link MountedFilesystem}. Every kit round of a race test that takes the kernel
 * hold for real costs two processes, so the race tests run
 * {@code quiesce.lvm.kit.iterations} rounds (100 by default) rather than the in-memory
 * kits' 10,000.
 */
class MountedFilesystemKitTest extends FreezableKit {

    @Override
    protected FreezableSubject createSubject() throws Exception {
        return StallableMount.create();
    }

    @Override
    protected int stressIterations() {
        return Integer.getInteger("quiesce.lvm.kit.iterations", 100);
    }
}
