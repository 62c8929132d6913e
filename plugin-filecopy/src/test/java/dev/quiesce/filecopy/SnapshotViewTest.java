package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.ReadOnlyDeviceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotViewTest {
    @TempDir
    Path dir;

    @Test
    void anImageCutShortWhileOpenFailsReadsAsInvalidAndTheViewRefusesWrites() throws Exception {
        Path image = dir.resolve("disk.img");
        try (FileBlockDevice device = FileBlockDevice.create(image, 4096, 64, false);
             SnapshotProvider provider = new FileCopyProviderFactory().create(
                     Map.of("directory", dir.resolve("s").toString()))) {
            device.write(63, ByteBuffer.wrap(new byte[4096]).put(0, (byte) 7));
            Snapshot snapshot = provider.create(SnapshotRequest.of("snap", SnapshotSource.ofPath(image, device)));
            try (BlockDevice view = snapshot.open()) {
                assertTrue(view.isReadOnly());
                assertThrows(ReadOnlyDeviceException.class, () -> view.write(0, ByteBuffer.allocate(4096)));
                try (RandomAccessFile file = new RandomAccessFile(dir.resolve("s/snap.img").toFile(), "rw")) {
                    file.setLength(4096 * 32);
                }
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                InvalidSnapshotException e = assertThrows(InvalidSnapshotException.class, () -> view.read(63, buffer));
                assertEquals("snap", e.snapshot());
                assertEquals(0, buffer.position(), "a refused read leaves the buffer as it was");
            }
        }
    }
}
