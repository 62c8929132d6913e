package dev.quiesce.fs;

import java.io.IOException;

/**
 * The image on the device is not a valid Dusk filesystem: a checksum, magic number,
 * sequence number, record or tree invariant failed. The message names the device, the
 * block and what is wrong. Dusk never repairs silently; run {@link Dusk#fsck} for a full
 * report, and restore from a backup if the image is damaged beyond the crash model
 * (a torn superblock write is within it: mount falls back to the previous copy).
 */
public final class CorruptFilesystemException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String device;
    private final long block;
    private final String problem;

    public CorruptFilesystemException(String device, long block, String problem) {
        super(device + ": block " + block + ": " + problem);
        this.device = device;
        this.block = block;
        this.problem = problem;
    }

    public CorruptFilesystemException(String device, long block, String problem, Throwable cause) {
        super(device + ": block " + block + ": " + problem, cause);
        this.device = device;
        this.block = block;
        this.problem = problem;
    }

    /** The device the image is on. */
    public String device() { return device; }

    /** The block where the problem was found (-1 when it concerns no single block). */
    public long block() { return block; }

    /** What is wrong, without the device and block prefix. */
    public String problem() { return problem; }
}
