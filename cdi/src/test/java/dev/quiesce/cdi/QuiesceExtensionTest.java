package dev.quiesce.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.ProviderNotFoundException;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuiesceExtensionTest {

    @BeforeEach
    void forgetProviders() {
        CopyingTestProvider.CREATED.clear();
    }

    private static SeContainer boot(Class<?>... beans) {
        return SeContainerInitializer.newInstance()
                .disableDiscovery()
                .addExtensions(new QuiesceExtension())
                .addBeanClasses(beans)
                .initialize();
    }

    @Dependent
    static class Integrator {
        @Inject @Provider("test-copy") SnapshotProvider copy;
        @Inject @Any jakarta.enterprise.inject.Instance<SnapshotProvider> all;
    }

    @Test
    void everyDiscoveredFactoryBecomesAQualifiedProviderBean() {
        try (SeContainer container = boot(Integrator.class)) {
            Integrator integrator = container.select(Integrator.class).get();
            assertEquals("test-copy", integrator.copy.name());
            TreeSet<String> names = StreamSupport.stream(integrator.all.spliterator(), false)
                    .map(SnapshotProvider::name).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(List.of("test-copy", "test-other")), names);
            assertEquals("test-other", container.select(SnapshotProvider.class, Provider.Literal.of("test-other")).get().name());
        }
    }

    @Test
    void providersAreOneInstancePerContainerAndClosedWithIt() {
        SeContainer container = boot(Integrator.class);
        Integrator integrator = container.select(Integrator.class).get();
        integrator.copy.name();
        integrator.copy.capabilities();
        CopyingTestProvider created = CopyingTestProvider.CREATED.get("test-copy");
        assertSame(created, integrator.copy, "no proxy: the provider's own instance is injected");
        assertSame(created, container.select(SnapshotProvider.class, Provider.Literal.of("test-copy")).get());
        assertFalse(created.closed.get());
        container.close();
        assertTrue(created.closed.get(), "the provider is closed at shutdown");
    }

    @Test
    void catalogNamesEveryProviderAndUnknownNamesListTheKnownOnes() {
        try (SeContainer container = boot()) {
            ProviderCatalog catalog = container.select(ProviderCatalog.class).get();
            assertEquals(List.of("test-copy", "test-other"), catalog.names());
            ProviderNotFoundException e = assertThrows(ProviderNotFoundException.class, () -> catalog.require("nope"));
            assertEquals(List.of("test-copy", "test-other"), e.available());
            assertTrue(e.getMessage().contains("test-copy, test-other"), e.getMessage());
            assertTrue(container.select(SnapshotProvider.class, Provider.Literal.of("nope")).isUnsatisfied());
        }
    }

    @ApplicationScoped
    static class Settings {
        @Produces
        ProviderConfiguration configuration() {
            return ProviderConfiguration.of(Map.of("test-copy", Map.of("label", "from-bean")));
        }
    }

    @Test
    void configurationComesFromTheConfigurationBeanWhenThereIsOne() {
        try (SeContainer container = boot(Integrator.class, Settings.class)) {
            container.select(Integrator.class).get().copy.name();
            assertEquals(Map.of("label", "from-bean"), CopyingTestProvider.CREATED.get("test-copy").configuration());
        }
    }

    @Test
    void configurationDefaultsToSystemProperties() {
        System.setProperty("quiesce.provider.test-copy.label", "from-property");
        try (SeContainer container = boot(Integrator.class)) {
            container.select(Integrator.class).get().copy.name();
            assertEquals(Map.of("label", "from-property"), CopyingTestProvider.CREATED.get("test-copy").configuration());
        } finally {
            System.clearProperty("quiesce.provider.test-copy.label");
        }
    }

    @Test
    void aRefusedConfigurationFailsOnFirstUseNamingTheProviderAndKey() {
        System.setProperty("quiesce.provider.test-copy.fail", "yes");
        try (SeContainer container = boot(Integrator.class)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> container.select(Integrator.class).get());
            Throwable cause = e;
            while (cause != null && !(cause instanceof ProviderCreationException)) {
                cause = cause.getCause();
            }
            ProviderCreationException creation = assertInstanceOf(ProviderCreationException.class, cause, e.toString());
            assertEquals("test-copy", creation.provider());
            assertInstanceOf(SnapshotException.class, creation.getCause());
            assertTrue(creation.getMessage().contains("'fail'"), creation.getMessage());
        } finally {
            System.clearProperty("quiesce.provider.test-copy.fail");
        }
    }

    @Test
    void extensionIsFoundThroughItsServicesFileWhenDiscoveryIsOn() {
        try (SeContainer container = SeContainerInitializer.newInstance().initialize()) {
            assertTrue(container.select(SnapshotProvider.class, Provider.Literal.of("test-copy")).isResolvable());
        }
    }

    @Test
    void pluginsLoadFromTheGivenClassLoader(@TempDir Path dir) throws IOException {
        try (URLClassLoader loader = loaderListing(dir, CopyingTestProviderFactory.Other.class.getName())) {
            try (SeContainer container = SeContainerInitializer.newInstance().disableDiscovery()
                    .addExtensions(new QuiesceExtension(loader)).initialize()) {
                assertEquals(List.of("test-other"), container.select(ProviderCatalog.class).get().names());
            }
        }
    }

    @Test
    void twoFactoriesWithOneNameStopTheContainer(@TempDir Path dir) throws IOException {
        try (URLClassLoader loader = loaderListing(dir, CopyingTestProviderFactory.class.getName(),
                CopyingTestProviderFactory.Duplicate.class.getName())) {
            SeContainerInitializer initializer = SeContainerInitializer.newInstance().disableDiscovery()
                    .addExtensions(new QuiesceExtension(loader));
            DefinitionException e = assertThrows(DefinitionException.class, initializer::initialize);
            assertTrue(String.valueOf(e.getMessage()).contains("test-copy") || String.valueOf(e.getCause()).contains("test-copy"),
                    e.toString());
        }
    }

    /** A loader whose only services file lists {@code factories}; classes come from the parent. */
    private static URLClassLoader loaderListing(Path dir, String... factories) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.write(services.resolve("dev.quiesce.spi.SnapshotProviderFactory"), List.of(factories));
        ClassLoader parent = new ClassLoader(QuiesceExtensionTest.class.getClassLoader()) {
            @Override
            public java.util.Enumeration<URL> getResources(String name) throws IOException {
                return name.startsWith("META-INF/services/dev.quiesce.spi")
                        ? java.util.Collections.emptyEnumeration() : super.getResources(name);
            }
        };
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, parent);
    }
}
