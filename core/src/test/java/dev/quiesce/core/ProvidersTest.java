package dev.quiesce.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {

    @Test
    void findsARegisteredProviderByName() throws Exception {
        try (SnapshotProvider p = Providers.create("test-scripted", Map.of())) {
            assertEquals("scripted", p.name());
        }
        assertTrue(Providers.factories().containsKey("test-scripted"));
    }

    @Test
    void anUnknownNameListsWhatWasFound() {
        ProviderNotFoundException e = assertThrows(ProviderNotFoundException.class, () -> Providers.factory("dmsnapp"));
        assertEquals("dmsnapp", e.name());
        assertTrue(e.available().contains("test-scripted"), e.available().toString());
        assertTrue(e.getMessage().contains("test-scripted"), e.getMessage());
    }

    @Test
    void aBadConfigurationIsTheFactorysTypedError() {
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> Providers.create("test-scripted", Map.of("bogus", "1")));
        assertTrue(e.getMessage().contains("bogus"));
    }

    @Test
    void anExplicitClassLoaderIsSearched(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve("dev.quiesce.spi.SnapshotProviderFactory"),
                "dev.quiesce.core.TestProviderFactory$ChildOnly\n");
        try (URLClassLoader child = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            assertEquals("child-only", Providers.factory("child-only", child).name());
            assertTrue(Providers.names(child).containsAll(List.of("child-only", "test-scripted")));
        }
        assertThrows(ProviderNotFoundException.class, () -> Providers.factory("child-only", getClass().getClassLoader()));
    }
}
