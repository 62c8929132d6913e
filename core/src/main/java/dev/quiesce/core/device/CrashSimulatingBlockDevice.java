package dev.quiesce.core.device;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A device that remembers what a real disk could lose, and produces the device image at
 * any crash point (the model in {@code shared/reference/crash-testing.md}).
 *
 * <p>Device model: {@link #flush()} makes durable the writes that completed before it
 * (SPEC.md D3). The writes since the last completed flush form the <em>crash epoch</em>:
 * at a crash any subset of them may have persisted, each block keeping either its old
 * value or one it was given in the epoch (later writes to a block win over earlier ones
 * that also persisted). In torn mode ({@link CrashPlan#tornUnit()}) each block is split
 * into smaller units that persist independently.
 *
 * <p>Reads and writes behave like a healthy device (D4). Every write is kept, grouped by
 * epoch, so {@link #crashStates(CrashPlan)} can enumerate images at every flush boundary;
 * each image is a fresh {@link MemoryBlockDevice}, and each state describes exactly
 * which writes persisted, so a failure replays with {@link #crashImage(int, BitSet, int)}.
 * Operations are serialized (one lock), which is all a simulation needs for D6.
 */
public final class CrashSimulatingBlockDevice implements BlockDevice {

    /** One completed write of one block: the unit of persistence when not torn. */
    record BlockWrite(int index, long block, byte[] data) { }

    private final String name;
    private final int blockSize;
    private final long blockCount;
    private final MemoryBlockDevice current;
    private final Map<Long, byte[]> initial;
    /** Completed epochs (each ended by a flush) and, last, the open crash epoch. */
    private final List<List<BlockWrite>> epochs = new ArrayList<>();
    private int writeCount;

    /** A zeroed device. */
    public CrashSimulatingBlockDevice(String name, int blockSize, long blockCount) {
        this.name = Objects.requireNonNull(name, "name");
        this.current = new MemoryBlockDevice(name, blockSize, blockCount);
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.initial = new TreeMap<>();
        epochs.add(new ArrayList<>());
    }

    /** A device starting from a copy of {@code image}, which counts as durable. */
    public static CrashSimulatingBlockDevice copyOf(String name, BlockDevice image) throws IOException {
        CrashSimulatingBlockDevice device = new CrashSimulatingBlockDevice(name, image.blockSize(), image.blockCount());
        ByteBuffer buffer = ByteBuffer.allocate(image.blockSize());
        for (long b = 0; b < image.blockCount(); b++) {
            buffer.clear();
            image.read(b, buffer);
            byte[] data = buffer.array();
            if (!isZero(data)) {
                device.initial.put(b, data.clone());
                device.current.write(b, ByteBuffer.wrap(data));
            }
        }
        return device;
    }

    private static boolean isZero(byte[] data) {
        for (byte x : data) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    @Override public int blockSize() { return blockSize; }
    @Override public long blockCount() { return blockCount; }
    @Override public boolean isReadOnly() { return false; }
    @Override public String name() { return name; }

    @Override
    public synchronized void read(long block, ByteBuffer dst) throws IOException {
        current.read(block, dst);
    }

    @Override
    public synchronized void write(long block, ByteBuffer src) throws IOException {
        int n = BlockDevice.checkTransfer(this, block, src);
        List<BlockWrite> epoch = epochs.get(epochs.size() - 1);
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[blockSize];
            src.get(data);
            current.write(block + i, ByteBuffer.wrap(data));
            epoch.add(new BlockWrite(writeCount++, block + i, data));
        }
    }

    /** Ends the crash epoch: everything written so far is durable (D3). */
    @Override
    public synchronized void flush() {
        epochs.add(new ArrayList<>());
    }

    @Override
    public void close() {
        // Images stay available after close, for the crash states.
    }

    /** Completed flushes so far. */
    public synchronized int flushCount() {
        return epochs.size() - 1;
    }

    /** Block writes in the open crash epoch (not yet durable). */
    public synchronized int volatileWrites() {
        return epochs.get(epochs.size() - 1).size();
    }

    /** The image a crash right now would leave if none of the crash epoch persisted. */
    public MemoryBlockDevice durableImage() throws IOException {
        int last;
        synchronized (this) {
            last = epochs.size() - 1;
        }
        return crashImage(last, new BitSet(), 0);
    }

    /**
     * The image of a crash during epoch {@code epoch} (after {@code epoch} completed
     * flushes) in which exactly the units in {@code persisted} of that epoch reached the
     * disk. Units are that epoch's block writes in order, or with {@code tornUnit > 0}
     * their {@code tornUnit}-byte pieces in order.
     */
    public synchronized MemoryBlockDevice crashImage(int epoch, BitSet persisted, int tornUnit) throws IOException {
        if (epoch < 0 || epoch >= epochs.size()) {
            throw new IllegalArgumentException(name + ": no epoch " + epoch + " (0.." + (epochs.size() - 1) + ")");
        }
        checkTorn(tornUnit);
        Map<Long, byte[]> image = new TreeMap<>();
        initial.forEach((b, d) -> image.put(b, d.clone()));
        for (int e = 0; e < epoch; e++) {
            for (BlockWrite w : epochs.get(e)) {
                image.put(w.block(), w.data().clone());
            }
        }
        applyUnits(image, epochs.get(epoch), persisted, tornUnit);
        MemoryBlockDevice out = new MemoryBlockDevice(name + " crash@" + epoch, blockSize, blockCount);
        for (Map.Entry<Long, byte[]> entry : image.entrySet()) {
            out.write(entry.getKey(), ByteBuffer.wrap(entry.getValue()));
        }
        return out;
    }

    private void applyUnits(Map<Long, byte[]> image, List<BlockWrite> writes, BitSet persisted, int tornUnit) {
        int perBlock = tornUnit == 0 ? 1 : blockSize / tornUnit;
        int unitBytes = blockSize / perBlock;
        for (int u = persisted.nextSetBit(0); u >= 0; u = persisted.nextSetBit(u + 1)) {
            if (u >= writes.size() * perBlock) {
                throw new IllegalArgumentException(name + ": unit " + u + " beyond the " + writes.size() * perBlock
                        + " units of the epoch");
            }
            BlockWrite w = writes.get(u / perBlock);
            int offset = (u % perBlock) * unitBytes;
            byte[] target = image.computeIfAbsent(w.block(), b -> new byte[blockSize]);
            System.arraycopy(w.data(), offset, target, offset, unitBytes);
        }
    }

    private void checkTorn(int tornUnit) {
        if (tornUnit != 0 && (tornUnit < 512 || tornUnit > blockSize || Integer.bitCount(tornUnit) != 1)) {
            throw new IllegalArgumentException(name + ": torn unit must be 0 or a power of two in 512.."
                    + blockSize + ", was " + tornUnit);
        }
    }

    /** Units of epoch {@code epoch} under {@code tornUnit} (see {@link #crashImage}). */
    synchronized int units(int epoch, int tornUnit) {
        return epochs.get(epoch).size() * (tornUnit == 0 ? 1 : blockSize / tornUnit);
    }

    /** Which block and bytes unit {@code u} of an epoch covers, for descriptions. */
    synchronized String describeUnit(int epoch, int u, int tornUnit) {
        int perBlock = tornUnit == 0 ? 1 : blockSize / tornUnit;
        BlockWrite w = epochs.get(epoch).get(u / perBlock);
        String where = "write #" + w.index() + " block " + w.block();
        if (tornUnit == 0) {
            return where;
        }
        int offset = (u % perBlock) * tornUnit;
        return where + " bytes " + offset + ".." + (offset + tornUnit - 1);
    }

    /** Epochs to enumerate: every flush boundary, or only the open crash epoch. */
    synchronized List<Integer> epochsFor(CrashPlan plan) {
        int last = epochs.size() - 1;
        if (!plan.everyFlushBoundary()) {
            return List.of(last);
        }
        List<Integer> all = new ArrayList<>();
        for (int e = 0; e <= last; e++) {
            all.add(e);
        }
        return Collections.unmodifiableList(all);
    }

    /**
     * The crash states the plan asks for, produced lazily: per epoch all subsets of its
     * units when there are at most {@value CrashStates#EXHAUSTIVE_LIMIT}; otherwise every
     * subset of size at most 2, every "all but at most 2", and
     * {@link CrashPlan#randomSubsets()} random subsets from {@link CrashPlan#seed()},
     * duplicates removed. A completed epoch's "everything persisted" state is the next
     * epoch's "nothing persisted" and is produced once.
     */
    public CrashStates crashStates(CrashPlan plan) {
        checkTorn(plan.tornUnit());
        return new CrashStates(this, plan);
    }

    @Override
    public String toString() {
        return "CrashSimulatingBlockDevice[" + name + ", " + flushCount() + " flushes, " + volatileWrites()
                + " volatile writes]";
    }
}
