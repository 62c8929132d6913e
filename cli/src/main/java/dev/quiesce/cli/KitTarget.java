package dev.quiesce.cli;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.tck.ProviderSubject;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One plugin provider under the kit: how to make a fresh provider and fresh sources for
 * each kit test, in a scratch directory of its own.
 *
 * <p>Configuration values may say {@code {scratch}}: it becomes the test's own empty
 * directory, so a store or snapshot directory never carries over between tests
 * (e.g. {@code --config directory={scratch}/snapshots}).
 *
 * <p>Sources are file-backed images of {@link #SOURCE_BLOCKS} blocks of 4 KiB in the
 * scratch directory. A copy-on-write provider that only snapshots writes made through its
 * own origin device is recognised by a public method
 * {@code origin(BlockDevice real, BlockDevice store)} returning a {@link BlockDevice}:
 * each source is then that origin over the scratch image, with a scratch store file, and
 * a plain image (not through the origin) is the source it must refuse (S12).
 */
final class KitTarget {
    static final int BLOCK_SIZE = 4096;
    static final int SOURCE_BLOCKS = 256;
    static final String SCRATCH = "{scratch}";

    private final SnapshotProviderFactory factory;
    private final Map<String, String> configuration;
    private final Path scratchRoot;
    /** Where source images go: the scratch root, or a fresh directory under {@code --source}. */
    private final Path sourceDirectory;
    private final AtomicInteger subjects = new AtomicInteger();

    KitTarget(SnapshotProviderFactory factory, Map<String, String> configuration, Path scratchRoot,
              Path sourceDirectory) {
        this.factory = factory;
        this.configuration = Map.copyOf(configuration);
        this.scratchRoot = scratchRoot;
        this.sourceDirectory = sourceDirectory;
    }

    String providerName() {
        return factory.name();
    }

    /** Creates one provider now, to fail early with the factory's own message. */
    void tryCreate() throws Exception {
        try (ProviderSubject subject = newSubject()) {
            subject.provider().capabilities();
        }
    }

    ProviderSubject newSubject() throws Exception {
        int n = subjects.incrementAndGet();
        Path dir = Files.createDirectories(scratchRoot.resolve(factory.name() + "-" + n));
        Path sources = Files.createDirectories(sourceDirectory.resolve("sources-" + factory.name() + "-" + n));
        Map<String, String> resolved = new TreeMap<>();
        configuration.forEach((k, v) -> resolved.put(k, v.replace(SCRATCH, dir.toString())));
        SnapshotProvider provider = factory.create(resolved);
        return new Subject(provider, dir, sources);
    }

    /** A provider with its scratch directory and the sources made for it. */
    private static final class Subject implements ProviderSubject {
        private final SnapshotProvider provider;
        private final Path dir;
        private final Path sources;
        private final List<BlockDevice> devices = new ArrayList<>();
        private final Method origin;
        private int count;

        Subject(SnapshotProvider provider, Path dir, Path sources) {
            this.provider = provider;
            this.dir = dir;
            this.sources = sources;
            this.origin = originMethod(provider);
        }

        @Override
        public SnapshotProvider provider() {
            return provider;
        }

        @Override
        public synchronized SnapshotSource newSource() throws Exception {
            int k = ++count;
            Path image = sources.resolve("source-" + k + ".img");
            FileBlockDevice real = FileBlockDevice.create(image, BLOCK_SIZE, SOURCE_BLOCKS, true);
            devices.add(real);
            if (origin == null) {
                return SnapshotSource.ofPath(image, real);
            }
            long storeBytes = 4L * BLOCK_SIZE * SOURCE_BLOCKS + (2L << 20);
            FileBlockDevice store = FileBlockDevice.create(dir.resolve("source-" + k + ".store"), 512,
                    storeBytes / 512, true);
            devices.add(store);
            try {
                // The origin belongs to the provider, which closes it; the devices under it
                // are closed after the provider.
                BlockDevice through = (BlockDevice) origin.invoke(provider, real, store);
                return SnapshotSource.ofPath(image, through);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        /**
         * For a provider that snapshots only what is written through its own origin, a
         * plain image is a source it must refuse (S12); for others none is known.
         */
        @Override
        public synchronized Optional<SnapshotSource> unsupportedSource() throws IOException {
            if (origin == null) {
                return Optional.empty();
            }
            Path image = sources.resolve("unsupported-" + (++count) + ".img");
            FileBlockDevice plain = FileBlockDevice.create(image, BLOCK_SIZE, SOURCE_BLOCKS, true);
            devices.add(plain);
            return Optional.of(SnapshotSource.ofPath(image, plain));
        }

        @Override
        public OptionalLong storeBytesUsed() throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                long bytes = 0;
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(p)) {
                        bytes += Files.size(p);
                    }
                }
                return OptionalLong.of(bytes);
            }
        }

        @Override
        public void close() throws Exception {
            Exception first = null;
            try {
                provider.close();
            } catch (Exception e) {
                first = e;
            }
            for (BlockDevice d : devices) {
                try {
                    d.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }

        private static Method originMethod(SnapshotProvider provider) {
            try {
                Method m = provider.getClass().getMethod("origin", BlockDevice.class, BlockDevice.class);
                return BlockDevice.class.isAssignableFrom(m.getReturnType()) ? m : null;
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
    }
}
