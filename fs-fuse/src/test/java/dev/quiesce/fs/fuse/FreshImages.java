package dev.quiesce.fs.fuse;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.fs.Dusk;
import java.nio.file.Path;

/** The images and mounts the FUSE tests start from, and the cleanup that never leaves a mount behind. */
final class FreshImages {
    private FreshImages() {
    }

    /** Formats a new image of {@code blocks} 4 KiB blocks at {@code image}. */
    static void format(Path image, long blocks) throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.create(image, 4096, blocks, false)) {
            Dusk.format(dev);
        }
    }

    /** Formats a new image and mounts it on {@code mnt} in this JVM. */
    static FuseMount formatAndMount(Path image, long blocks, Path mnt) throws Exception {
        format(image, blocks);
        return FuseMount.mount(image, mnt, false);
    }

    /** Closes {@code mount} (if any); a mount still on {@code mnt} after that, as a failed test may leave, is forced off. */
    static void close(FuseMount mount, Path mnt) throws Exception {
        try {
            if (mount != null) {
                mount.close();
            }
        } finally {
            if (mnt != null && Mounts.at(mnt).isPresent()) {
                Mounts.unmount(mnt, true);
            }
        }
    }
}
