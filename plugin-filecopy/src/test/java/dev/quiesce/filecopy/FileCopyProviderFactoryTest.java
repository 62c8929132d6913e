package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCopyProviderFactoryTest {
    @TempDir
    Path dir;

    @Test
    void theFactoryIsFoundThroughServiceLoaderAndListsItsKeys() {
        SnapshotProviderFactory factory = ServiceLoader.load(SnapshotProviderFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.name().equals("filecopy")).findFirst()
                .orElseThrow(() -> new AssertionError("filecopy not registered in META-INF/services"));
        assertEquals(Settings.keys().keySet(), factory.configurationKeys().keySet());
    }

    @Test
    void eachTechniqueIsPickedByConfiguration() throws Exception {
        Map<String, Technique> expected = Map.of("full-copy", Technique.FULL_COPY, "reflink", Technique.REFLINK,
                "split-mirror", Technique.SPLIT_MIRROR);
        for (Map.Entry<String, Technique> e : expected.entrySet()) {
            try (SnapshotProvider provider = create(Map.of("directory", dir.toString(), "technique", e.getKey()))) {
                assertEquals(e.getValue(), provider.capabilities().technique());
                assertEquals("filecopy", provider.name());
            }
        }
    }

    @Test
    void unknownKeysAndBadValuesAreRefusedNamingTheKey() {
        assertKey("colour", Map.of("directory", dir.toString(), "colour", "blue"));
        assertKey("directory", Map.of("technique", "full-copy"));
        assertKey("technique", Map.of("directory", dir.toString(), "technique", "snapshot"));
        assertKey("skip-free-blocks", Map.of("directory", dir.toString(), "skip-free-blocks", "yes"));
        assertKey("command-timeout-seconds", Map.of("directory", dir.toString(), "command-timeout-seconds", "0"));
        assertKey("command-timeout-seconds", Map.of("directory", dir.toString(), "command-timeout-seconds", "soon"));
    }

    @Test
    void aDirectoryThatIsAFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertKey("directory", Map.of("directory", file.toString()));
    }

    @Test
    void unknownRequestOptionsAreRefusedNamingTheOption() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, 4096, 4, false);
             SnapshotProvider provider = create(Map.of("directory", dir.resolve("s").toString()))) {
            FileCopyConfigurationException e = assertThrows(FileCopyConfigurationException.class,
                    () -> provider.prepare(SnapshotRequest.of("x", SnapshotSource.ofPath(image, device))
                            .withOption("compress", "yes")));
            assertEquals("compress", e.key());
            assertTrue(provider.list().isEmpty());
        }
    }

    @Test
    void openingAProviderRemovesWhatAnInterruptedSnapshotLeft() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, 4096, 4, false);
             SnapshotProvider provider = create(Map.of("directory", store.toString()))) {
            provider.create(SnapshotRequest.of("kept", SnapshotSource.ofPath(image, device)));
        }
        Files.write(store.resolve("crashed.img.part"), new byte[4096]);
        Files.writeString(store.resolve("torn.snapshot.tmp"), "format=1");
        Files.writeString(store.resolve("unpublished.snapshot"), Files.readString(store.resolve("kept.snapshot"))
                .replace("name=kept", "name=unpublished").replace("kept.img", "unpublished.img")
                .replace("state=READY", "state=CUT"));
        try (SnapshotProvider provider = create(Map.of("directory", store.toString()))) {
            assertEquals(java.util.List.of("kept"), provider.list().stream().map(s -> s.name()).toList());
        }
        try (var files = Files.list(store)) {
            assertEquals(java.util.Set.of("kept.img", "kept.snapshot"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    private void assertKey(String key, Map<String, String> configuration) {
        FileCopyConfigurationException e = assertThrows(FileCopyConfigurationException.class,
                () -> create(configuration), configuration.toString());
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    private static SnapshotProvider create(Map<String, String> configuration) throws Exception {
        return new FileCopyProviderFactory().create(configuration);
    }
}
