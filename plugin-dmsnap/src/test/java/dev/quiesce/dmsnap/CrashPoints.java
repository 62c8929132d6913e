package dev.quiesce.dmsnap;

import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Crash points across two devices, the origin and the store, each a
 * {@link CrashSimulatingBlockDevice} with its own flushes (a store flush does not make
 * origin writes durable, nor the reverse). Just before every write and flush reaching
 * either device, the harness notes how far each device's history had got and what the
 * workload had acknowledged; a crash there may persist any subset of each device's writes
 * since its last flush, up to that moment.
 */
final class CrashPoints<M> {
    /** A moment of the workload: each device's epoch and writes so far in it, and the model then. */
    record Point<M>(int storeEpoch, int storeWrites, int originEpoch, int originWrites, M model, String step) {
    }

    /** One crash image pair and how it was made, for failure messages. */
    record State<M>(Point<M> point, BitSet store, BitSet origin) {
        String describe() {
            return "crash during '" + point.step() + "': store after flush " + point.storeEpoch() + " with writes "
                    + store + " of " + point.storeWrites() + " persisted; origin after flush " + point.originEpoch()
                    + " with writes " + origin + " of " + point.originWrites() + " persisted";
        }
    }

    final CrashSimulatingBlockDevice store;
    final CrashSimulatingBlockDevice origin;
    private final Supplier<M> model;
    private final List<Point<M>> points = new ArrayList<>();
    private String step = "setup";

    CrashPoints(CrashSimulatingBlockDevice store, CrashSimulatingBlockDevice origin, Supplier<M> model) {
        this.store = store;
        this.origin = origin;
        this.model = model;
    }

    void step(String name) {
        step = name;
    }

    BlockDevice watchedStore() {
        return new Watched(store);
    }

    BlockDevice watchedOrigin() {
        return new Watched(origin);
    }

    List<Point<M>> points() {
        return points;
    }

    private void note() {
        points.add(new Point<>(store.flushCount(), store.volatileWrites(), origin.flushCount(),
                origin.volatileWrites(), model.get(), step));
    }

    /**
     * The states to check at one point: every combination when both devices together have
     * at most {@code exhaustive} writes in flight; otherwise nothing, everything, each
     * single write alone and each one missing, per device, crossed with the other device's
     * none and all, plus {@code random} random pairs.
     */
    static <M> List<State<M>> states(Point<M> p, int exhaustive, int random, Random r) {
        List<State<M>> out = new ArrayList<>();
        int s = p.storeWrites();
        int o = p.originWrites();
        if (s + o <= exhaustive) {
            for (long bits = 0; bits < 1L << (s + o); bits++) {
                BitSet all = BitSet.valueOf(new long[] {bits});
                out.add(new State<>(p, all.get(0, s), all.get(s, s + o)));
            }
            return out;
        }
        Set<List<BitSet>> seen = new HashSet<>();
        List<BitSet> storeSets = shapes(s);
        List<BitSet> originSets = shapes(o);
        BitSet oNone = new BitSet();
        BitSet oAll = full(o);
        for (BitSet ss : storeSets) {
            add(out, seen, p, ss, oNone);
            add(out, seen, p, ss, oAll);
        }
        BitSet sNone = new BitSet();
        BitSet sAll = full(s);
        for (BitSet os : originSets) {
            add(out, seen, p, sNone, os);
            add(out, seen, p, sAll, os);
        }
        for (int i = 0; i < random; i++) {
            add(out, seen, p, randomSet(s, r), randomSet(o, r));
        }
        return out;
    }

    private static <M> void add(List<State<M>> out, Set<List<BitSet>> seen, Point<M> p, BitSet s, BitSet o) {
        if (seen.add(List.of(s, o))) {
            out.add(new State<>(p, s, o));
        }
    }

    private static List<BitSet> shapes(int n) {
        List<BitSet> out = new ArrayList<>();
        out.add(new BitSet());
        out.add(full(n));
        for (int i = 0; i < n; i++) {
            BitSet one = new BitSet();
            one.set(i);
            out.add(one);
            BitSet allBut = full(n);
            allBut.clear(i);
            out.add(allBut);
        }
        return out;
    }

    private static BitSet full(int n) {
        BitSet b = new BitSet();
        b.set(0, n);
        return b;
    }

    private static BitSet randomSet(int n, Random r) {
        BitSet b = new BitSet();
        for (int i = 0; i < n; i++) {
            if (r.nextBoolean()) {
                b.set(i);
            }
        }
        return b;
    }

    MemoryBlockDevice storeImage(State<M> s) throws IOException {
        return store.crashImage(s.point().storeEpoch(), s.store(), 0);
    }

    MemoryBlockDevice originImage(State<M> s) throws IOException {
        return origin.crashImage(s.point().originEpoch(), s.origin(), 0);
    }

    /** Notes a crash point before every write and flush, then passes it on. */
    private final class Watched implements BlockDevice {
        private final BlockDevice target;

        Watched(BlockDevice target) {
            this.target = target;
        }

        @Override public int blockSize() { return target.blockSize(); }
        @Override public long blockCount() { return target.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public String name() { return target.name(); }

        @Override
        public void read(long block, ByteBuffer dst) throws IOException {
            target.read(block, dst);
        }

        @Override
        public void write(long block, ByteBuffer src) throws IOException {
            note();
            target.write(block, src);
        }

        @Override
        public void flush() throws IOException {
            note();
            target.flush();
        }

        @Override
        public void close() {
            // The crash devices keep their history for the images.
        }
    }
}
