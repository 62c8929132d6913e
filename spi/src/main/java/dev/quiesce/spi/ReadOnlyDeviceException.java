package dev.quiesce.spi;

import java.io.IOException;

/** A write reached a read-only device or view (rule D5, S3). */
public final class ReadOnlyDeviceException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String device;
    private final long block;

    public ReadOnlyDeviceException(String device, long block) {
        super(device + " is read-only: write to block " + block + " refused");
        this.device = device;
        this.block = block;
    }

    public String device() { return device; }
    public long block() { return block; }
}
