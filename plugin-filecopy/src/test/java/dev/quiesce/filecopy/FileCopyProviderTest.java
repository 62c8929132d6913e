package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ProviderBusyException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCopyProviderTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private SnapshotProvider provider() throws Exception {
        return new FileCopyProviderFactory().create(Map.of("directory", dir.resolve("s").toString()));
    }

    @Test
    void aNameBeingPreparedIsBusyUntilItsPendingSnapshotEnds() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 16, false);
             SnapshotProvider provider = provider()) {
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            PendingSnapshot first = provider.prepare(SnapshotRequest.of("same", source));
            assertThrows(ProviderBusyException.class, () -> provider.prepare(SnapshotRequest.of("same", source)));
            first.abort();
            provider.prepare(SnapshotRequest.of("same", source)).abort();
            assertTrue(provider.list().isEmpty());
        }
    }

    /** A source read slowly, which says when the copy has begun. */
    private static final class SlowDevice implements BlockDevice {
        private final BlockDevice inner;
        private final CountDownLatch firstRead = new CountDownLatch(1);

        SlowDevice(BlockDevice inner) {
            this.inner = inner;
        }

        @Override public int blockSize() { return inner.blockSize(); }
        @Override public long blockCount() { return inner.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public void write(long block, ByteBuffer src) throws IOException { inner.write(block, src); }
        @Override public void flush() throws IOException { inner.flush(); }
        @Override public void close() throws IOException { inner.close(); }

        @Override
        public void read(long block, ByteBuffer dst) throws IOException {
            firstRead.countDown();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inner.read(block, dst);
        }
    }

    @Test
    void anAbortFromAnotherThreadStopsTheCopyAndLeavesNothing() throws Exception {
        SlowDevice device = new SlowDevice(new MemoryBlockDevice("slow", BLOCK, 16384)); // 64 MiB, 1 MiB per read
        try (SnapshotProvider provider = provider()) {
            PendingSnapshot pending = provider.prepare(SnapshotRequest.of("big", SnapshotSource.of("slow", device)));
            CompletableFuture<SnapshotException> cut = CompletableFuture.supplyAsync(() -> {
                try {
                    pending.cut();
                    return null;
                } catch (SnapshotException e) {
                    return e;
                }
            });
            assertTrue(device.firstRead.await(30, TimeUnit.SECONDS), "the copy began");
            pending.abort();
            SnapshotException stopped = cut.get(30, TimeUnit.SECONDS);
            assertTrue(stopped != null && stopped.getMessage().contains("copy aborted"),
                    "the cut stopped for the abort: " + stopped);
            assertTrue(provider.list().isEmpty());
            assertEquals(List.of(), listing(dir.resolve("s")), "no partial image left");
        }
    }

    @Test
    void aNewProviderOnTheSameDirectoryListsTheSameSnapshots() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, BLOCK, 16, false)) {
            device.write(3, ByteBuffer.wrap(new byte[BLOCK]).put(0, (byte) 9));
            SnapshotSource source = SnapshotSource.ofPath(image, device);
            Snapshot made;
            try (SnapshotProvider provider = provider()) {
                made = provider.create(SnapshotRequest.of("kept", source));
            }
            try (SnapshotProvider again = provider()) {
                Snapshot found = again.find("kept").orElseThrow();
                assertEquals(made.id(), found.id());
                assertEquals(made.createdAt(), found.createdAt());
                assertEquals(source.id(), found.sourceId());
                assertTrue(found.isReady() && found.isValid());
                try (BlockDevice view = found.open()) {
                    ByteBuffer all = ByteBuffer.allocate(BLOCK * 16);
                    view.read(0, all);
                    assertArrayEquals(Files.readAllBytes(image), all.array());
                }
            }
        }
    }

    private static List<String> listing(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
