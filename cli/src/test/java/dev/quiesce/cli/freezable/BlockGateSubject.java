package dev.quiesce.cli.freezable;

import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.Freezable;
import dev.quiesce.tck.FreezableSubject;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A Freezable subject as a plugin jar registers it for {@code quiesce kit}: core's
 * block-level freeze over a device in the heap, one block per slot. Each instance is a
 * fresh target, so the public no-argument constructor is the whole factory.
 */
public final class BlockGateSubject implements FreezableSubject {
    private final BlockFreezeDevice device = new BlockFreezeDevice(new MemoryBlockDevice("gate", 512, 16));

    public BlockGateSubject() {
    }

    @Override
    public Freezable target() {
        return device;
    }

    @Override
    public void mutate(int slot, long value) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(512).putLong(0, value);
        device.write(slot, block);
    }

    @Override
    public long readBack(int slot) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(512);
        device.read(slot, block);
        return block.getLong(0);
    }

    @Override
    public void closeTarget() throws IOException {
        device.close();
    }

    @Override
    public void close() throws IOException {
        if (device.state() == dev.quiesce.spi.FreezeState.THAWED) {
            device.close();
        }
    }
}
