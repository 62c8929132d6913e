package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.ReadOnlyDeviceException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit for {@link BlockDevice} (SPEC.md D1-D6). Extend it and implement
 * {@link #createDevice()}; override {@link #durableImage} to let the kit check D3.
 */
public abstract class BlockDeviceKit extends AbstractKit {
    private final List<BlockDevice> devices = new ArrayList<>();
    private Background background;

    protected BlockDeviceKit() {
    }

    /** A fresh writable device never written (it reads zeros), of at least 16 blocks. */
    protected abstract BlockDevice createDevice() throws Exception;

    /**
     * What a crash right now would leave of {@code device} (reopening its file, a crash
     * image), for D3; empty if the subject cannot tell, and D3 is NOT_APPLICABLE.
     */
    protected Optional<BlockDevice> durableImage(BlockDevice device) throws Exception {
        return Optional.empty();
    }

    @Override
    final Rule.Contract contract() {
        return Rule.Contract.BLOCK_DEVICE;
    }

    @BeforeAll
    final void startBackground() {
        background = new Background("device");
    }

    @AfterAll
    final void stopBackground() {
        background.close();
    }

    @AfterEach
    final void closeDevices() throws Exception {
        for (BlockDevice d : devices) {
            d.close();
        }
        devices.clear();
    }

    private BlockDevice device() throws Exception {
        BlockDevice d = createDevice();
        devices.add(d);
        assertTrue(d.blockCount() >= 16, "kit devices need at least 16 blocks, " + d.name() + " has " + d.blockCount());
        return d;
    }

    private static byte[] pattern(int size, int seed) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (seed * 31 + i * 7);
        }
        return data;
    }

    private static byte[] read(BlockDevice d, long block, int blocks) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(blocks * d.blockSize());
        d.read(block, buffer);
        assertEquals(buffer.capacity(), buffer.position(), "a read must advance the buffer by the bytes read");
        return buffer.array();
    }

    @Test
    public void D1_blockSizeIsStablePowerOfTwo() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        assertTrue(size >= 512 && Integer.bitCount(size) == 1, "block size " + size);
        d.write(1, ByteBuffer.wrap(pattern(size, 1)));
        d.flush();
        assertEquals(size, d.blockSize(), "block size changed after a write");
        assertEquals((long) size * d.blockCount(), d.sizeBytes());
    }

    @Test
    public void D2_badTransfersFailBeforeAnyByteMoves() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        long last = d.blockCount() - 1;
        byte[] before = read(d, last, 1);
        ByteBuffer partial = ByteBuffer.wrap(pattern(size + size / 2, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.write(0, partial));
        assertTrue(e.getMessage().contains(d.name()), "the error must name the device: " + e.getMessage());
        assertEquals(0, partial.position(), "a refused write consumed bytes");
        ByteBuffer twoBlocks = ByteBuffer.wrap(pattern(2 * size, 3));
        e = assertThrows(IllegalArgumentException.class, () -> d.write(last, twoBlocks), "write past the end");
        assertTrue(e.getMessage().contains(String.valueOf(last)), "the error must name the block: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.write(-1, ByteBuffer.allocate(size)), "negative block");
        assertThrows(IllegalArgumentException.class, () -> d.read(last, ByteBuffer.allocate(2 * size)), "read past end");
        assertArrayEquals(before, read(d, last, 1), "a refused write changed the last block");
        assertArrayEquals(new byte[size], read(d, 0, 1), "a refused write changed block 0");
    }

    @Test
    public void D3_flushMakesWritesDurable() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        for (int b = 0; b < 8; b++) {
            d.write(b, ByteBuffer.wrap(pattern(size, 10 + b)));
        }
        d.flush();
        Optional<BlockDevice> image = durableImage(d);
        if (image.isEmpty()) {
            notApplicableBecause("the subject cannot show what a crash would leave (durableImage)");
        }
        try (BlockDevice durable = image.get()) {
            for (int b = 0; b < 8; b++) {
                assertArrayEquals(pattern(size, 10 + b), read(durable, b, 1), "block " + b + " after flush");
            }
        }
    }

    @Test
    public void D4_readReturnsLastWriteOrZeros() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        assertArrayEquals(new byte[3 * size], read(d, 4, 3), "never-written blocks");
        byte[] three = pattern(3 * size, 4);
        d.write(4, ByteBuffer.wrap(three));
        assertArrayEquals(three, read(d, 4, 3), "a three-block write");
        d.write(5, ByteBuffer.wrap(pattern(size, 5)));
        assertArrayEquals(pattern(size, 5), read(d, 5, 1), "an overwrite");
        assertArrayEquals(Arrays.copyOfRange(three, 0, size), read(d, 4, 1), "the neighbour of an overwrite");
        assertArrayEquals(new byte[size], read(d, d.blockCount() - 1, 1), "the last block, never written");
    }

    @Test
    public void D5_readOnlyViewRefusesWrites() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        d.write(2, ByteBuffer.wrap(pattern(size, 6)));
        BlockDevice view = d.readOnlyView();
        assertTrue(view.isReadOnly(), "a read-only view must say so");
        assertThrows(ReadOnlyDeviceException.class, () -> view.write(2, ByteBuffer.wrap(pattern(size, 7))));
        assertArrayEquals(pattern(size, 6), read(view, 2, 1), "reads through the view");
        view.close();
        assertArrayEquals(pattern(size, 6), read(d, 2, 1), "closing the view must not close the device");
    }

    @Test
    public void D6_safeForConcurrentUse() throws Exception {
        BlockDevice d = device();
        int size = d.blockSize();
        int threads = 4;
        int rounds = Math.max(50, Math.min(stressIterations() / 20, 2_000));
        List<Future<Void>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int owner = t;
            futures.add(background.start(() -> {
                for (int r = 0; r < rounds; r++) {
                    long block = owner + (long) threads * (r % 3);
                    byte[] data = new byte[size];
                    Arrays.fill(data, (byte) (owner * 50 + r % 3));
                    d.write(block, ByteBuffer.wrap(data));
                    // Only this thread writes this block: anything else read back is interference.
                    assertArrayEquals(data, read(d, block, 1), "block " + block + " of writer " + owner
                            + " read back after its own write, round " + r);
                }
                return null;
            }));
        }
        for (Future<Void> f : futures) {
            Background.await(f, "a concurrent writer");
        }
        for (int t = 0; t < threads; t++) {
            for (int k = 0; k < 3; k++) {
                byte[] expected = new byte[size];
                Arrays.fill(expected, (byte) (t * 50 + k));
                assertArrayEquals(expected, read(d, t + (long) threads * k, 1), "block of writer " + t);
            }
        }
    }
}
