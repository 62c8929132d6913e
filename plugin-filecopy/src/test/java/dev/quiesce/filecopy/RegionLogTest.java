package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class RegionLogTest {
    private static final int BLOCK = 512;
    private static final int REGION = 4096;
    private static final long BLOCKS = 8 * 100; // 100 regions: two bitmap words

    private static MemoryBlockDevice device() {
        return new MemoryBlockDevice("log", BLOCK, RegionLog.deviceBlocks(BLOCK, REGION, BLOCKS));
    }

    private static RegionLog.Image first() {
        return new RegionLog.Image(MirrorState.RESYNCING, 0, BLOCK, REGION, BLOCKS, "/images/replica.img",
                RegionMap.allRegions(100));
    }

    @Test
    void theNewestStateReadsBackFieldForField() throws Exception {
        MemoryBlockDevice device = device();
        RegionLog log = RegionLog.create(device, first());
        long[] bits = {1L << 5 | 1L << 63, 1L << 35};
        log.write(MirrorState.SPLIT, "/images/replica.img", bits, REGION, BLOCKS);
        RegionLog.Image read = RegionLog.read(device);
        assertEquals(MirrorState.SPLIT, read.state());
        assertEquals(2, read.sequence());
        assertEquals(BLOCK, read.blockSize());
        assertEquals(REGION, read.regionSize());
        assertEquals(BLOCKS, read.blockCount());
        assertEquals(100, read.regionCount());
        assertEquals("/images/replica.img", read.replica());
        assertArrayEquals(bits, read.bitmap());
    }

    @Test
    void aDamagedNewerSlotFallsBackToTheOlderState() throws Exception {
        MemoryBlockDevice device = device();
        RegionLog log = RegionLog.create(device, first()); // sequence 1, slot 1
        log.write(MirrorState.MIRRORED, "/images/replica.img", new long[2], REGION, BLOCKS); // sequence 2, slot 0
        ByteBuffer torn = ByteBuffer.allocate(BLOCK);
        device.write(0, torn); // the first block of slot 0 lost
        RegionLog.Image read = RegionLog.read(device);
        assertEquals(1, read.sequence());
        assertEquals(MirrorState.RESYNCING, read.state());
        assertArrayEquals(RegionMap.allRegions(100), read.bitmap());
        RegionLog reopened = RegionLog.open(device);
        assertEquals(1, reopened.sequence(), "open resumes from the surviving slot");
        reopened.write(MirrorState.MIRRORED, "/images/replica.img", new long[2], REGION, BLOCKS);
        assertEquals(2, RegionLog.read(device).sequence());
    }

    @Test
    void withBothSlotsDamagedTheErrorNamesTheLogAndBothSlots() throws Exception {
        MemoryBlockDevice device = device();
        RegionLog.create(device, first());
        int slotBlocks = (int) (device.blockCount() / 2);
        ByteBuffer flipped = ByteBuffer.allocate(BLOCK);
        device.read(slotBlocks, flipped);
        flipped.put(100, (byte) (flipped.get(100) ^ 1)).rewind();
        device.write(slotBlocks, flipped);
        MirrorException e = assertThrows(MirrorException.class, () -> RegionLog.read(device));
        assertEquals("log", e.device());
        assertTrue(e.getMessage().contains("slot 0 (byte 0): bad magic") && e.getMessage().contains("CRC mismatch"),
                e.getMessage());
    }

    @Test
    void aLogDeviceOfTheWrongSizeIsRefused() {
        MemoryBlockDevice small = new MemoryBlockDevice("log", BLOCK, 2);
        MirrorException e = assertThrows(MirrorException.class, () -> RegionLog.create(small, first()));
        assertTrue(e.getMessage().contains("needs"), e.getMessage());
    }
}
