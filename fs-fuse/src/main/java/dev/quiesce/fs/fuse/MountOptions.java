package dev.quiesce.fs.fuse;

import java.time.Duration;
import java.util.Objects;

/**
 * How to mount. Immutable; start from {@link #defaults()}.
 *
 * @param readOnly       mount read-only (the kernel refuses writes with EROFS, and the
 *                       image is not written)
 * @param commitInterval how long changes may wait before the filesystem commits them
 */
public record MountOptions(boolean readOnly, Duration commitInterval) {
    /** FUSE options every mount gets: 128 KiB writes (without them writes come in 4 KiB pieces). */
    static final String WRITE_OPTIONS = "big_writes,max_write=131072";

    public MountOptions {
        Objects.requireNonNull(commitInterval, "commitInterval");
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("commitInterval must be positive, was " + commitInterval);
        }
    }

    public static MountOptions defaults() {
        return new MountOptions(false, Duration.ofSeconds(5));
    }

    public MountOptions withReadOnly(boolean ro) {
        return new MountOptions(ro, commitInterval);
    }

    public MountOptions withCommitInterval(Duration d) {
        return new MountOptions(readOnly, d);
    }

    /** The libfuse {@code -o} value: writes, names, and the behaviour the operations rely on. */
    String fuseOptions(String fsName) {
        return WRITE_OPTIONS + ",fsname=" + escape(fsName) + ",subtype=dusk"
                // use_ino: st_ino is Dusk's inode number (tar and cp -a see hard links);
                // attr_timeout=0: libfuse 2 gives each hard link its own kernel inode, so a
                // cached link count or size of one name would go stale through another.
                + ",use_ino,attr_timeout=0,default_permissions" + (readOnly ? ",ro" : "");
    }

    /** libfuse splits -o at commas; a backslash escapes one. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace(",", "\\,");
    }
}
