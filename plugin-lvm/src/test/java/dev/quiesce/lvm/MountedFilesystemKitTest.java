package dev.quiesce.lvm;

import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;

/**
 * The Freezable conformance kit on a real ext4 on a loop device, frozen by the kernel
 * through {@link MountedFilesystem}. A race round that takes the kernel hold for real
 * costs about 5 ms (F3) to 11 ms (F12) here, against microseconds in memory, so the race
 * tests run {@code quiesce.lvm.kit.iterations} rounds (1,000 by default: about 16 s of
 * the kit's time, measured on the shared 2-core machine) rather than the in-memory kits'
 * 10,000.
 */
class MountedFilesystemKitTest extends FreezableKit {

    @Override
    protected FreezableSubject createSubject() throws Exception {
        return StallableMount.create();
    }

    @Override
    protected int stressIterations() {
        return Integer.getInteger("quiesce.lvm.kit.iterations", 1_000);
    }
}
