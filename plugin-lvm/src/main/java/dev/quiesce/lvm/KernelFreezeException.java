package dev.quiesce.lvm;

import dev.quiesce.spi.FreezeException;
import dev.quiesce.spi.FreezeNotSupportedException;
import java.util.Locale;

/**
 * The kernel refused FIFREEZE or FITHAW on a mounted filesystem. {@link #errno()} says
 * which of its answers it was (SPEC.md F5, F6: the filesystem was left as it was), and
 * the message carries fsfreeze's own words.
 *
 * <ul>
 *   <li>{@code EBUSY}: already frozen by somebody outside this JVM (another fsfreeze,
 *       an LVM snapshot in progress); wait for them or thaw it.</li>
 *   <li>{@code EPERM}: freezing needs CAP_SYS_ADMIN; run as root.</li>
 *   <li>{@code EINVAL}: a thaw found the filesystem not frozen (somebody thawed it
 *       behind our back), or the path is not a filesystem that can take the call.</li>
 *   <li>{@code EOPNOTSUPP}: this filesystem cannot freeze (FUSE, tmpfs, ...); that case is
 *       reported as {@link FreezeNotSupportedException} with this as its cause.</li>
 * </ul>
 */
public final class KernelFreezeException extends FreezeException {
    private static final long serialVersionUID = 1L;
    private final String errno;

    KernelFreezeException(String target, String errno, String message) {
        super(target, message);
        this.errno = errno;
    }

    /** {@code EBUSY}, {@code EPERM}, {@code EINVAL}, {@code EOPNOTSUPP}, or {@code OTHER}. */
    public String errno() {
        return errno;
    }

    /**
     * The typed error for fsfreeze's answer {@code "<exit> <message>"}, run with
     * {@code LC_ALL=C} so the kernel's error text is strerror's English.
     */
    static FreezeException fromFsfreeze(String target, String operation, String answer) {
        String errno = errnoOf(answer);
        KernelFreezeException error = new KernelFreezeException(target, errno,
                operation + " refused by the kernel (" + errno + "): fsfreeze exit " + answer);
        if (errno.equals("EOPNOTSUPP")) {
            return new FreezeNotSupportedException(target, "the kernel answered EOPNOTSUPP (" + answer + ")", error);
        }
        return error;
    }

    static String errnoOf(String message) {
        String text = message.toLowerCase(Locale.ROOT);
        if (text.contains("device or resource busy")) {
            return "EBUSY";
        }
        if (text.contains("operation not permitted") || text.contains("permission denied")) {
            return "EPERM";
        }
        if (text.contains("operation not supported") || text.contains("inappropriate ioctl")) {
            return "EOPNOTSUPP";
        }
        if (text.contains("invalid argument")) {
            return "EINVAL";
        }
        return "OTHER";
    }
}
