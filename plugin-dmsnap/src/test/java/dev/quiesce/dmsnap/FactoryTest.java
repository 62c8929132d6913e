package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.Technique;
import dev.quiesce.spi.UnsupportedSourceException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactoryTest {
    @TempDir
    Path dir;

    private static SnapshotProviderFactory factory() {
        return ServiceLoader.load(SnapshotProviderFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("dmsnap")).findFirst().orElseThrow();
    }

    @Test
    void serviceLoaderFindsDmsnapWithItsKeys() {
        SnapshotProviderFactory f = factory();
        assertEquals(List.of("store", "chunk-size", "store-size"), List.copyOf(f.configurationKeys().keySet()));
    }

    @Test
    void unknownKeysAreRefusedByName() {
        DmsnapConfigurationException e = assertThrows(DmsnapConfigurationException.class,
                () -> factory().create(Map.of("store", dir.resolve("s").toString(), "chunksize", "4096", "zz", "1")));
        assertEquals(List.of("chunksize", "zz"), e.keys());
        assertTrue(e.getMessage().contains("chunksize"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("s")), "nothing was created");
    }

    @Test
    void badValuesAreRefusedByKey() {
        assertEquals(List.of("chunk-size"), assertThrows(DmsnapConfigurationException.class,
                () -> factory().create(Map.of("store", "x", "chunk-size", "3000"))).keys());
        assertEquals(List.of("chunk-size"), assertThrows(DmsnapConfigurationException.class,
                () -> factory().create(Map.of("store", "x", "chunk-size", "four"))).keys());
        assertEquals(List.of("store"), assertThrows(DmsnapConfigurationException.class,
                () -> factory().create(Map.of())).keys());
        assertEquals(List.of("store-size"), assertThrows(DmsnapConfigurationException.class,
                () -> factory().create(Map.of("store", "x", "store-size", "1000"))).keys());
    }

    @Test
    void aFileStoreIsMadeOnFirstOriginAndReopened() throws Exception {
        Path store = dir.resolve("vol.cow");
        MemoryBlockDevice real = new MemoryBlockDevice("real", 512, 256);
        try (SnapshotProvider p = factory().create(Map.of("store", store.toString(), "chunk-size", "8192"))) {
            DmsnapProvider d = (DmsnapProvider) p;
            assertFalse(Files.exists(store));
            DmsnapOrigin origin = d.origin(real);
            assertTrue(Files.exists(store));
            origin.write(0, ByteBuffer.wrap(Fixture.pattern(512 * 256, 1)));
            p.create(SnapshotRequest.of("keep", origin.source("vol")));
            origin.write(0, ByteBuffer.wrap(Fixture.pattern(512 * 256, 2)));
        }
        try (SnapshotProvider p = factory().create(Map.of("store", store.toString()))) {
            assertEquals("keep", p.list().get(0).name(), "listed before any origin is attached");
            DmsnapOrigin origin = ((DmsnapProvider) p).origin(real);
            assertEquals(8192, ((DmsnapProvider) p).engineOf(origin).geometry.chunkBytes(), "the store keeps its own");
            assertTrue(java.util.Arrays.equals(Fixture.pattern(512 * 256, 1), Fixture.contents(p.list().get(0))));
        }
    }

    @Test
    void onlyItsOwnOriginsAreSupported() throws Exception {
        try (DmsnapProvider p = DmsnapProvider.onDevice(new MemoryBlockDevice("s", 512, 2048), 4096)) {
            MemoryBlockDevice real = new MemoryBlockDevice("real", 512, 64);
            SnapshotSource raw = SnapshotSource.of("raw", real);
            assertFalse(p.supports(raw));
            DmsnapOrigin origin = p.origin(real);
            assertTrue(p.supports(origin.source("vol")));
            assertFalse(p.supports(raw), "the real device underneath is not an origin");
            assertThrows(UnsupportedSourceException.class, () -> p.prepare(SnapshotRequest.of("n", raw)));
            Capabilities c = p.capabilities();
            assertEquals(new Capabilities(Technique.COPY_ON_WRITE, false, CutCost.CONSTANT, true), c);
        }
    }
}
