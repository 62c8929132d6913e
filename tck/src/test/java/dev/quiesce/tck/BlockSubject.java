package dev.quiesce.tck;

import dev.quiesce.core.device.BlockFreezeDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.core.device.RecordingBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A {@link FreezableSubject} over any freezable block device: slot {@code i} is block
 * {@code i}, holding the value in its first eight bytes. The stack underneath is
 * memory, then a stalling device, then a recording one; {@code wrap} puts the freezable
 * device (honest or broken) on top.
 */
class BlockSubject implements FreezableSubject {
    final MemoryBlockDevice memory = new MemoryBlockDevice("kit-memory", 512, 64);
    final StallingBlockDevice stalling = new StallingBlockDevice(memory);
    final RecordingBlockDevice recording = new RecordingBlockDevice(stalling);
    final BlockDevice top;
    private final Freezable freezable;

    BlockSubject(Function<BlockDevice, ? extends BlockDevice> wrap) {
        this.top = wrap.apply(recording);
        this.freezable = (Freezable) top;
    }

    static BlockSubject honest() {
        return new BlockSubject(BlockFreezeDevice::new);
    }

    @Override public Freezable target() { return freezable; }

    @Override
    public void mutate(int slot, long value) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(top.blockSize());
        block.putLong(0, value);
        top.write(slot, block);
    }

    @Override
    public long readBack(int slot) throws IOException {
        return read(top, slot);
    }

    private static long read(BlockDevice device, int slot) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(device.blockSize());
        device.read(slot, block);
        return block.getLong(0);
    }

    @Override
    public void closeTarget() throws IOException {
        top.close();
    }

    @Override public Optional<DeviceWitness> witness() { return Optional.of(DeviceWitness.recording(recording)); }
    @Override public Optional<MutationStall> stallNextMutation() { return Optional.of(stalling.stallNextWrite()); }
    @Override public Optional<BlockDevice> device() { return Optional.of(recording); }

    @Override
    public OptionalLong readBackFrom(BlockDevice image, int slot) throws IOException {
        return OptionalLong.of(read(image, slot));
    }

    @Override
    public void close() throws IOException {
        stalling.close();
    }
}
