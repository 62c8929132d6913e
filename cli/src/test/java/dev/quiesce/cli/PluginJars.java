package dev.quiesce.cli;

import dev.quiesce.cli.broken.LiveViewProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Plugin jars for the kit command's tests. */
final class PluginJars {
    private PluginJars() {
    }

    /**
     * A jar holding {@link LiveViewProvider} and its factory, registered as a service: a
     * plugin that breaks S2, built from the compiled test classes.
     */
    static Path brokenPlugin(Path dir) throws IOException, URISyntaxException {
        Path classes = Path.of(LiveViewProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("broken-live-plugin.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            Path pkg = classes.resolve("dev/quiesce/cli/broken");
            try (Stream<Path> files = Files.list(pkg)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    add(out, "dev/quiesce/cli/broken/" + f.getFileName(), Files.readAllBytes(f));
                }
            }
            add(out, "META-INF/services/dev.quiesce.spi.SnapshotProviderFactory",
                    (LiveViewProvider.Factory.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /**
     * A jar registering {@link dev.quiesce.cli.freezable.BlockGateSubject} as a
     * {@code dev.quiesce.tck.FreezableSubject} service: a plugin with a Freezable.
     */
    static Path freezablePlugin(Path dir) throws IOException, URISyntaxException {
        Class<?> subject = dev.quiesce.cli.freezable.BlockGateSubject.class;
        Path classes = Path.of(subject.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("block-gate-plugin.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            String file = subject.getName().replace('.', '/') + ".class";
            add(out, file, Files.readAllBytes(classes.resolve(file)));
            add(out, "META-INF/services/dev.quiesce.tck.FreezableSubject",
                    (subject.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /**
     * The jar a class came from; when it came from a classes directory (a reactor build
     * before packaging), a jar made from that directory.
     */
    static Path jarOf(Class<?> type, Path dir) throws IOException, URISyntaxException {
        Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(location)) {
            return location;
        }
        Path jar = dir.resolve(type.getSimpleName() + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(location)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                add(out, location.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return jar;
    }

    private static void add(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        OutputStream o = out;
        o.write(bytes);
        out.closeEntry();
    }
}
