package dev.quiesce.filecopy;

import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Properties;

/**
 * One snapshot's record, {@code <name>.snapshot} in the snapshot directory: the codec of
 * that file (FORMAT.md describes the same fields). It is a Java properties file in UTF-8
 * written whole to a temporary file, flushed, then renamed over the old one, so a crash
 * leaves either the old record or the new one. Keys:
 * <pre>
 * format       1
 * id           a random UUID, the snapshot's stable id
 * name         the caller's name, as in the file name
 * source       the source's id (for image files: the absolute normalized path)
 * technique    FULL_COPY | REFLINK | SPLIT_MIRROR
 * image        absolute path of the image holding the snapshot's blocks
 * block-size   block size of the source device, bytes
 * block-count  blocks of the source device; the image has block-size * block-count bytes
 * created-at   the cut's instant, ISO-8601 UTC
 * state        CUT (cut, post-processing pending) | READY (complete)
 * </pre>
 * A file missing a key or with a bad value is reported as corrupt, naming the file and
 * the key.
 */
record SnapshotRecord(String id, String name, String sourceId, Technique technique, Path image, int blockSize,
                      long blockCount, Instant createdAt, boolean ready) {
    static final String FORMAT = "1";

    SnapshotRecord asReady() {
        return new SnapshotRecord(id, name, sourceId, technique, image, blockSize, blockCount, createdAt, true);
    }

    void write(Writer out) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("id", id);
        p.setProperty("name", name);
        p.setProperty("source", sourceId);
        p.setProperty("technique", technique.name());
        p.setProperty("image", image.toString());
        p.setProperty("block-size", Integer.toString(blockSize));
        p.setProperty("block-count", Long.toString(blockCount));
        p.setProperty("created-at", createdAt.toString());
        p.setProperty("state", ready ? "READY" : "CUT");
        StringWriter text = new StringWriter();
        p.store(text, "quiesce filecopy snapshot record");
        // Drop the date comment Properties adds, so equal records are equal files.
        String body = text.toString().replaceFirst("(?m)^#(?! quiesce).*\\R", "");
        out.write(body);
    }

    static SnapshotRecord read(Reader in, String file) throws IOException {
        Properties p = new Properties();
        p.load(in);
        String format = get(p, "format", file);
        if (!FORMAT.equals(format)) {
            throw corrupt(file, "format", "unknown format " + format);
        }
        try {
            return new SnapshotRecord(get(p, "id", file), get(p, "name", file), get(p, "source", file),
                    Technique.valueOf(get(p, "technique", file)), Path.of(get(p, "image", file)),
                    Integer.parseInt(get(p, "block-size", file)), Long.parseLong(get(p, "block-count", file)),
                    Instant.parse(get(p, "created-at", file)), state(get(p, "state", file), file));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IOException(file + ": corrupt snapshot record: " + e.getMessage(), e);
        }
    }

    private static boolean state(String value, String file) throws IOException {
        return switch (value) {
            case "READY" -> true;
            case "CUT" -> false;
            default -> throw corrupt(file, "state", "unknown state " + value);
        };
    }

    private static String get(Properties p, String key, String file) throws IOException {
        String value = p.getProperty(key);
        if (value == null) {
            throw corrupt(file, key, "missing");
        }
        return value;
    }

    private static IOException corrupt(String file, String key, String why) {
        return new IOException(file + ": corrupt snapshot record, key '" + key + "': " + why);
    }
}
