package dev.quiesce.filecopy;

import dev.quiesce.spi.SnapshotException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The snapshot directory: where each snapshot's image and record live, and the one place
 * that turns a snapshot name into a path (checking that it stays inside).
 */
final class SnapshotStore {
    static final String RECORD_SUFFIX = ".snapshot";
    static final String IMAGE_SUFFIX = ".img";
    static final String PARTIAL_SUFFIX = ".img.part";

    private final Path directory;

    SnapshotStore(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** {@code <name><suffix>} inside the directory; a name that would leave it is refused. */
    Path file(String name, String suffix) throws SnapshotPathException {
        Path file = directory.resolve(name + suffix).normalize();
        if (!directory.equals(file.getParent()) || name.contains("/") || name.contains("\\")) {
            throw new SnapshotPathException(name, file, "resolves outside the snapshot directory " + directory, null);
        }
        if (Files.isSymbolicLink(file)) {
            throw new SnapshotPathException(name, file, "is a symbolic link; refusing to write through it", null);
        }
        return file;
    }

    Optional<SnapshotRecord> read(String name) throws SnapshotException {
        Path file = file(name, RECORD_SUFFIX);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return Optional.of(SnapshotRecord.read(in, file.toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, name, "cannot read record " + file, e);
        }
    }

    /** Replaces the record atomically: temporary file, flush, rename. */
    void write(SnapshotRecord record) throws SnapshotException {
        Path file = file(record.name(), RECORD_SUFFIX);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                record.write(out);
            }
            force(temporary);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temporary, e);
            throw new SnapshotException(FileCopyProviderFactory.NAME, record.name(), "cannot write record " + file, e);
        }
    }

    void deleteRecord(String name) throws SnapshotException {
        Path file = file(name, RECORD_SUFFIX);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, name, "cannot delete record " + file, e);
        }
    }

    List<SnapshotRecord> list() throws SnapshotException {
        List<SnapshotRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + RECORD_SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                read(fileName.substring(0, fileName.length() - RECORD_SUFFIX.length())).ifPresent(records::add);
            }
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, null, "cannot list " + directory, e);
        }
        records.sort((a, b) -> a.name().compareTo(b.name()));
        return records;
    }

    /**
     * Removes what a process that died mid-snapshot left: partial images, temporary
     * records, and records of cuts whose image was never published (they can never
     * complete). Returns how many files went. Assumes one process owns the directory.
     */
    int sweepLeftovers() throws SnapshotException {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*{" + PARTIAL_SUFFIX + ","
                + RECORD_SUFFIX + ".tmp}")) {
            for (Path file : files) {
                Files.deleteIfExists(file);
                removed++;
            }
            for (SnapshotRecord record : list()) {
                if (!record.ready() && !Files.exists(record.image())) {
                    deleteRecord(record.name());
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new SnapshotException(FileCopyProviderFactory.NAME, null, "cannot clean up " + directory, e);
        }
        return removed;
    }

    /** Whether some record other than {@code exceptName}'s keeps its blocks in {@code image}. */
    boolean imageHeld(Path image, String exceptName) throws SnapshotException {
        for (SnapshotRecord record : list()) {
            if (record.image().equals(image) && !record.name().equals(exceptName)) {
                return true;
            }
        }
        return false;
    }

    static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    static void deleteQuietly(Path file, Exception failure) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
