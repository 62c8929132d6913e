package dev.quiesce.core.device;

import java.io.IOException;
import java.util.BitSet;

/**
 * One crash point: after {@link #epoch()} completed flushes, with exactly the units in
 * {@link #persisted()} of the following writes on the disk. {@link #toString()} says
 * which writes persisted, so a failing state can be replayed with
 * {@link CrashSimulatingBlockDevice#crashImage(int, BitSet, int)}.
 */
public final class CrashState {
    private final CrashSimulatingBlockDevice device;
    private final int epoch;
    private final BitSet persisted;
    private final int units;
    private final int tornUnit;
    private final long seed;

    CrashState(CrashSimulatingBlockDevice device, int epoch, BitSet persisted, int units, int tornUnit, long seed) {
        this.device = device;
        this.epoch = epoch;
        this.persisted = (BitSet) persisted.clone();
        this.units = units;
        this.tornUnit = tornUnit;
        this.seed = seed;
    }

    /** Completed flushes before the crash. */
    public int epoch() { return epoch; }

    /** The units of the crash epoch that persisted (a copy). */
    public BitSet persisted() { return (BitSet) persisted.clone(); }

    /** Units in the crash epoch. */
    public int units() { return units; }

    /** 0, or the torn unit in bytes. */
    public int tornUnit() { return tornUnit; }

    /** A fresh device holding this crash image; every call builds a new one. */
    public MemoryBlockDevice image() throws IOException {
        return device.crashImage(epoch, persisted, tornUnit);
    }

    /** Which writes persisted, in words, for failure messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("crash after flush ").append(epoch).append(" (seed ").append(seed)
                .append(tornUnit == 0 ? "" : ", torn unit " + tornUnit).append("): ")
                .append(persisted.cardinality()).append(" of ").append(units).append(" units persisted");
        if (!persisted.isEmpty()) {
            sb.append(":");
            int shown = 0;
            for (int u = persisted.nextSetBit(0); u >= 0 && shown < 32; u = persisted.nextSetBit(u + 1), shown++) {
                sb.append(shown == 0 ? " " : ", ").append(device.describeUnit(epoch, u, tornUnit));
            }
            if (persisted.cardinality() > 32) {
                sb.append(", ...");
            }
        }
        return sb.append("; replay: crashImage(").append(epoch).append(", ").append(persisted)
                .append(", ").append(tornUnit).append(")").toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
