package dev.quiesce.lvm;

import dev.quiesce.spi.SnapshotException;
import java.util.List;

/**
 * An LVM command failed. {@link #kind()} says how, {@link #lvmMessage()} holds what LVM
 * itself printed, and {@link #command()} the argument array that was run. Where the SPI
 * has a type for the failure (no space, name conflict) that type is thrown with this one
 * as its cause.
 */
public final class LvmException extends SnapshotException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as LVM's answer tells. */
    public enum Kind {
        /** The volume group has too few free extents. */
        NO_SPACE,
        /** The logical volume or volume group does not exist. */
        NOT_FOUND,
        /** A logical volume of that name exists already. */
        NAME_TAKEN,
        /** The {@code lvm} program is not installed (or not where configured). */
        LVM_MISSING,
        /** This kernel has no device-mapper ({@code /dev/mapper/control} is missing). */
        NO_DEVICE_MAPPER,
        /** Suspending the origin failed because its filesystem is already frozen. */
        ORIGIN_FROZEN,
        /** The command did not finish within its bound and was stopped. */
        TIMED_OUT,
        /** Anything else; see the message. */
        OTHER
    }

    private final Kind kind;
    private final List<String> command;
    private final int exitCode;
    private final String lvmMessage;

    LvmException(String provider, String snapshot, Kind kind, List<String> command, int exitCode, String lvmMessage,
                 Throwable cause) {
        super(provider, snapshot, describe(kind, command, exitCode, lvmMessage), cause);
        this.kind = kind;
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.lvmMessage = lvmMessage;
    }

    private static String describe(Kind kind, List<String> command, int exitCode, String message) {
        return "LVM " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": '"
                + String.join(" ", command) + "' exited " + exitCode + ": " + message;
    }

    public Kind kind() {
        return kind;
    }

    /** The argument array that was run. */
    public List<String> command() {
        return command;
    }

    /** The exit code, or -1 when the command could not be started or was stopped. */
    public int exitCode() {
        return exitCode;
    }

    /** What LVM printed on its error stream. */
    public String lvmMessage() {
        return lvmMessage;
    }

    /** The kind of failure LVM's message describes. */
    static Kind classify(String message) {
        String m = message.toLowerCase(java.util.Locale.ROOT);
        if (m.contains("/dev/mapper/control") || m.contains("device-mapper driver")
                || m.contains("device-mapper kernel driver") || m.contains("dm kernel driver")) {
            return Kind.NO_DEVICE_MAPPER;
        }
        if (m.contains("insufficient free space") || m.contains("insufficient free extents")
                || m.contains("insufficient suitable") || m.contains("no free extents")) {
            return Kind.NO_SPACE;
        }
        if (m.contains("already exists in volume group")) {
            return Kind.NAME_TAKEN;
        }
        if (m.contains("suspend ioctl") && m.contains("device or resource busy")) {
            return Kind.ORIGIN_FROZEN;
        }
        if (m.contains("failed to find logical volume") || m.contains("not found")) {
            return Kind.NOT_FOUND;
        }
        return Kind.OTHER;
    }
}
