package dev.quiesce.filecopy;

import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The reflink technique: the host filesystem clones the image file copy-on-write
 * (btrfs, xfs with {@code reflink=1}) through {@code cp --reflink=always}, which issues
 * the FICLONE ioctl; the clone shares every extent, so the cut's time does not grow with
 * the data. Whether the snapshot directory's filesystem can clone is found out by a
 * trial clone there, once; a filesystem that cannot is named in the reason.
 *
 * <p>{@code cp} runs from an argument array (no shell), with a bounded time after which
 * it is killed.
 */
final class Reflink implements CutMethod {
    private final SnapshotStore store;
    private final Duration timeout;
    private volatile Optional<String> directoryProblem;

    Reflink(SnapshotStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(Technique.REFLINK, false, CutCost.CONSTANT, false);
    }

    @Override
    public Optional<String> unsupportedReason(SnapshotSource source) {
        Optional<String> problem = ImageFiles.problem(source, true);
        if (problem.isPresent()) {
            return problem;
        }
        Optional<String> directory = directoryProblem();
        if (directory.isPresent()) {
            return directory;
        }
        try {
            FileStore sourceStore = Files.getFileStore(source.path().get());
            FileStore targetStore = Files.getFileStore(store.directory());
            if (!sourceStore.equals(targetStore)) {
                return Optional.of("source " + source.path().get() + " is on " + describe(sourceStore)
                        + " but the snapshot directory " + store.directory() + " is on " + describe(targetStore)
                        + "; a reflink cannot cross filesystems");
            }
        } catch (IOException e) {
            return Optional.of("cannot tell the filesystem of " + source.path().get() + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    private Optional<String> directoryProblem() {
        Optional<String> known = directoryProblem;
        if (known == null) {
            known = probe();
            directoryProblem = known;
        }
        return known;
    }

    /** A trial clone of a small file inside the snapshot directory. */
    private Optional<String> probe() {
        Path directory = store.directory();
        String fs;
        try {
            fs = describe(Files.getFileStore(directory));
        } catch (IOException e) {
            return Optional.of("cannot tell the filesystem of " + directory + ": " + e.getMessage());
        }
        Path original = directory.resolve(".reflink-probe-" + UUID.randomUUID());
        Path clone = directory.resolve(original.getFileName() + ".clone");
        try {
            Files.write(original, new byte[4096]);
            CommandResult result = runClone(original, clone, Duration.ofSeconds(10));
            if (result.exitCode() != 0) {
                return Optional.of("filesystem " + fs + " of " + directory + " cannot clone files (reflink, FICLONE): "
                        + result.output().strip());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot try a reflink in " + directory + " (" + fs + "): " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(clone);
                Files.deleteIfExists(original);
            } catch (IOException e) {
                ImageFiles.warnElsewhere("cannot delete reflink probe in " + directory, e);
            }
        }
    }

    private static String describe(FileStore store) {
        return store.type() + " (" + store.name() + ")";
    }

    record CommandResult(int exitCode, String output) {
    }

    /** Runs {@code cp --reflink=always} from an argument array; kills it after {@code bound}. */
    static CommandResult runClone(Path from, Path to, Duration bound) throws IOException {
        List<String> command = List.of("cp", "--reflink=always", "--", from.toString(), to.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream output = process.getInputStream()) {
            process.getOutputStream().close();
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", command) + " did not finish within " + bound + "; killed");
            }
            byte[] text = output.readNBytes(8192);
            return new CommandResult(process.exitValue(), new String(text, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted; killed", e);
        }
    }

    @Override
    public Work prepare(SnapshotRequest request, Path image) throws SnapshotException {
        Path partial = ImageFiles.partial(store, request.name());
        // Creating the partial file now proves the directory takes writes before any freeze.
        try (FileChannel created = ImageFiles.createPartial(request.name(), partial)) {
            created.force(false);
        } catch (IOException e) {
            throw new SnapshotPathException(request.name(), partial, "cannot create a file in the snapshot directory", e);
        }
        return new Clone(request, partial, image);
    }

    @Override
    public void delete(SnapshotRecord record) throws SnapshotException {
        ImageFiles.deleteImage(record);
    }

    private final class Clone implements Work {
        private final SnapshotRequest request;
        private final Path partial;
        private final Path image;

        Clone(SnapshotRequest request, Path partial, Path image) {
            this.request = request;
            this.partial = partial;
            this.image = image;
        }

        @Override
        public Path cut(Cancellation cancellation) throws SnapshotException {
            Path source = request.source().path().orElseThrow();
            try {
                CommandResult result = runClone(source, partial, timeout);
                if (result.exitCode() != 0) {
                    throw new SnapshotException(FileCopyProviderFactory.NAME, request.name(), "reflink of " + source
                            + " failed (cp exit " + result.exitCode() + "): " + result.output().strip());
                }
                return image;
            } catch (IOException e) {
                throw ImageFiles.copyFailure(request.name(), partial, e);
            }
        }

        @Override
        public void complete() throws SnapshotException {
            try {
                SnapshotStore.force(partial);
                ImageFiles.publish(partial, image);
            } catch (IOException e) {
                throw ImageFiles.copyFailure(request.name(), partial, e);
            }
        }

        @Override
        public void abort() {
            try {
                Files.deleteIfExists(partial);
                Files.deleteIfExists(image);
            } catch (IOException e) {
                ImageFiles.warnElsewhere("cannot delete " + partial + " after abort", e);
            }
        }
    }
}
