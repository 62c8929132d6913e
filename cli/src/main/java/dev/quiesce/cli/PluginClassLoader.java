package dev.quiesce.cli;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;

/**
 * The class loader of a plugin jar under test: the plugin's own classes come from the jar
 * first (even when the CLI bundles a plugin of the same name, so that it is the jar that
 * is tested), while the contracts it implements (the SPI, core, the kit, JUnit) are
 * shared with the CLI. Quiesce service files are read from the jar only, so the kit never
 * picks up the CLI's bundled providers by mistake.
 */
final class PluginClassLoader extends URLClassLoader {
    private static final String[] SHARED = {
        "java.", "javax.", "jdk.", "sun.", "dev.quiesce.spi.", "dev.quiesce.core.", "dev.quiesce.tck.",
        "org.junit.", "org.opentest4j.", "org.apiguardian.",
    };

    static {
        registerAsParallelCapable();
    }

    PluginClassLoader(Path jar, ClassLoader parent) throws IOException {
        super("plugin " + jar.getFileName(), new URL[] {jar.toUri().toURL()}, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (shared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notInJar) {
                    c = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith("META-INF/services/dev.quiesce.") ? findResources(name) : super.getResources(name);
    }

    private static boolean shared(String name) {
        for (String prefix : SHARED) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
