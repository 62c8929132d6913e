package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceWitnessTest {

    @Test
    void aFileWitnessSeesChangedContentButCannotTellDurability(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("image");
        Files.write(file, new byte[] {1, 2, 3});
        DeviceWitness w = DeviceWitness.fileContents(file);
        long a = w.mark();
        long b = w.mark();
        Files.write(file, new byte[] {1, 2, 4});
        long c = w.mark();
        assertEquals(List.of(), w.writesBetween(a, b));
        assertEquals(1, w.writesBetween(b, c).size());
        assertTrue(w.durableAt(c).isEmpty());
    }

    @Test
    void aRecordingWitnessReportsWritesAndDurability() throws Exception {
        RecordingBlockDevice d = new RecordingBlockDevice(new MemoryBlockDevice(512, 4));
        DeviceWitness w = DeviceWitness.recording(d);
        long a = w.mark();
        d.write(1, ByteBuffer.allocate(512));
        long b = w.mark();
        assertEquals(1, w.writesBetween(a, b).size());
        assertEquals(false, w.durableAt(b).orElseThrow());
        d.flush();
        assertEquals(true, w.durableAt(w.mark()).orElseThrow());
    }
}
