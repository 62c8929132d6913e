package dev.quiesce.tck;

import dev.quiesce.core.device.RecordingBlockDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the device underneath a target, so the kit can prove that nothing was written
 * while it was frozen (SPEC.md F1, F2, S9). The kit takes a {@link #mark()} after the
 * freeze returns and another before it thaws, and asks what happened in between.
 *
 * <p>Use {@link #recording(RecordingBlockDevice)} when the target sits on a Java
 * {@link dev.quiesce.spi.BlockDevice} you can wrap; {@link #fileContents(Path)} when the
 * device is a file the kernel writes (a loop-mounted image): it compares digests, so it
 * sees changed content but not rewrites of the same bytes, and cannot tell durability.
 */
public interface DeviceWitness {

    /** A point in the device's history. */
    long mark();

    /** What reached the device between two marks, one line each; empty if nothing did. */
    List<String> writesBetween(long fromMark, long toMark);

    /**
     * Whether, at {@code mark}, nothing was in flight and everything written before it had
     * been flushed (F1); empty if this witness cannot tell.
     */
    java.util.Optional<Boolean> durableAt(long mark);

    /** A witness over a recording device: exact order, writes and flushes. */
    static DeviceWitness recording(RecordingBlockDevice device) {
        Objects.requireNonNull(device, "device");
        return new DeviceWitness() {
            @Override
            public long mark() {
                return RecordingBlockDevice.mark();
            }

            @Override
            public List<String> writesBetween(long fromMark, long toMark) {
                List<String> out = new ArrayList<>();
                device.writesBetween(fromMark, toMark).forEach(e -> out.add(e.toString()));
                return out;
            }

            @Override
            public java.util.Optional<Boolean> durableAt(long mark) {
                return java.util.Optional.of(device.durableAt(mark));
            }

            @Override
            public String toString() {
                return "recording witness of " + device.name();
            }
        };
    }

    /** A witness that digests a file (or device node) at every mark. */
    static DeviceWitness fileContents(Path file) {
        Objects.requireNonNull(file, "file");
        Map<Long, String> digests = new ConcurrentHashMap<>();
        AtomicLong marks = new AtomicLong();
        return new DeviceWitness() {
            @Override
            public long mark() {
                long m = marks.incrementAndGet();
                digests.put(m, digest(file));
                return m;
            }

            @Override
            public List<String> writesBetween(long fromMark, long toMark) {
                String a = digests.get(fromMark);
                String b = digests.get(toMark);
                if (a == null || b == null) {
                    throw new IllegalArgumentException("unknown mark " + (a == null ? fromMark : toMark));
                }
                return a.equals(b) ? List.of() : List.of(file + " changed between marks " + fromMark + " and " + toMark);
            }

            @Override
            public java.util.Optional<Boolean> durableAt(long mark) {
                return java.util.Optional.empty();
            }

            @Override
            public String toString() {
                return "content witness of " + file;
            }
        };
    }

    private static String digest(Path file) {
        try (var in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot digest " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
