package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of the engine over a crash-simulating origin and store: a workload of
 * cuts, writes, flushes, deletes and a merge is recorded, then every crash point (before
 * each write or flush to either device) is replayed with subsets of the unflushed writes.
 *
 * <p>The oracle, on every state, after reopening: every snapshot acknowledged (complete
 * returned) is listed and reads exactly its contents at the cut; any other listed snapshot
 * is one that was being made and also reads exactly; acknowledged deletes stay deleted;
 * origin blocks the last completed origin flush made durable, and not written since, hold
 * those contents. A mismatch where the origin already holds newer data is reported as an
 * origin write made durable before its exception. On every 16th state the recovery runs
 * on crash-simulating copies of both devices, and 24 random crash states of the recovery
 * itself (before any of its writes or flushes, on either device) are recovered again,
 * with the same oracle.
 * Injected ordering bugs must be caught.
 */
class CrashConsistencyTest {
    private static final int BLOCK = 512;
    private static final int CHUNK = 1024;
    private static final int ORIGIN_BLOCKS = 64;
    private static final int STORE_BLOCKS = 480;
    private static final long SEED = Long.getLong("quiesce.crash.seed", 20261201L);
    private static final int IMAGES = Integer.getInteger("quiesce.crash.images", 10_000);
    /** Crash states of one recovery that are recovered again (every 16th state is treated so). */
    private static final int RECOVERY_CRASHES = 24;

    /** What the workload had acknowledged at one moment. */
    record Model(Map<String, byte[]> mustExist, Map<String, byte[]> mayExist, Set<String> mustNotExist,
                 byte[] originDurable, BitSet writtenSinceFlush, String merging) {
    }

    /** The workload's running state, copied into a {@link Model} at every crash point. */
    static final class Tracker {
        final Map<String, byte[]> must = new HashMap<>();
        final Map<String, byte[]> may = new HashMap<>();
        final Set<String> gone = new HashSet<>();
        byte[] durable;
        final BitSet written = new BitSet();
        String merging;

        Model model() {
            return new Model(Map.copyOf(must), Map.copyOf(may), Set.copyOf(gone), durable,
                    (BitSet) written.clone(), merging);
        }
    }

    @Test
    void everyCrashStateKeepsCommittedSnapshotsExact() throws Exception {
        Result r = runAndCheck(SEED, Bug.NONE, true, false);
        System.out.println("dmsnap crash consistency: " + r.checked + " crash states checked over " + r.points
                + " crash points (seed " + SEED + "); on every 16th, up to " + RECOVERY_CRASHES
                + " crash states of its own recovery recovered again");
        assertTrue(r.failures.isEmpty(), r.failures.size() + " of " + r.checked + " states failed, first: "
                + (r.failures.isEmpty() ? "" : r.failures.get(0)));
        assertTrue(r.checked > 1000, "only " + r.checked + " states checked");
    }

    @Test
    void anOriginWriteReleasedBeforeItsExceptionIsCaught() throws Exception {
        Result r = runAndCheck(SEED, Bug.RELEASE_BEFORE_COMMIT, false, true);
        assertFalse(r.failures.isEmpty(), "the injected bug went unnoticed in " + r.checked + " states");
        assertTrue(r.failures.stream().anyMatch(f -> f.contains("origin write durable before its exception")),
                r.failures.get(0));
    }

    @Test
    void metadataCommittedBeforeItsDataIsCaught() throws Exception {
        Result r = runAndCheck(SEED, Bug.SKIP_DATA_FLUSH, false, true);
        assertFalse(r.failures.isEmpty(), "the injected bug went unnoticed in " + r.checked + " states");
    }

    enum Bug { NONE, RELEASE_BEFORE_COMMIT, SKIP_DATA_FLUSH }

    record Result(long checked, int points, List<String> failures) {
    }

    private Result runAndCheck(long seed, Bug bug, boolean withMerge, boolean stopAtFirstFailure) throws Exception {
        Random r = new Random(seed);
        MemoryBlockDevice realStart = new MemoryBlockDevice("origin", BLOCK, ORIGIN_BLOCKS);
        MemoryBlockDevice storeStart = new MemoryBlockDevice("store", BLOCK, STORE_BLOCKS);
        realStart.write(0, ByteBuffer.wrap(Fixture.pattern(ORIGIN_BLOCKS * BLOCK, r.nextInt())));
        DmsnapProvider.onDevice(storeStart, CHUNK).origin(realStart);
        Tracker t = new Tracker();
        t.durable = realStart.toByteArray();
        CrashPoints<Model> crash = new CrashPoints<>(CrashSimulatingBlockDevice.copyOf("store", storeStart),
                CrashSimulatingBlockDevice.copyOf("origin", realStart), t::model);
        DmsnapProvider p = DmsnapProvider.onDevice(crash.watchedStore(), CHUNK);
        DmsnapOrigin origin = p.origin(crash.watchedOrigin());
        CowEngine engine = p.engineOf(origin);
        engine.releaseBeforeCommit = bug == Bug.RELEASE_BEFORE_COMMIT;
        engine.skipDataFlush = bug == Bug.SKIP_DATA_FLUSH;

        cut(p, origin, t, crash, "a", null);
        writes(r, origin, t, crash, 10);
        long[] words = new long[1];
        for (int b = 0; b < ORIGIN_BLOCKS; b++) {
            if (r.nextInt(3) > 0) {
                words[0] |= 1L << b;
            }
        }
        cut(p, origin, t, crash, "b", BlockUsage.of(BLOCK, ORIGIN_BLOCKS, words));
        writes(r, origin, t, crash, 10);
        cut(p, origin, t, crash, "c", null);
        writes(r, origin, t, crash, 6);
        crash.step("delete a");
        t.may.put("a", t.must.remove("a"));
        p.delete("a");
        t.may.remove("a");
        t.gone.add("a");
        writes(r, origin, t, crash, 6);
        if (withMerge) {
            crash.step("merge c");
            byte[] c = t.must.remove("c");
            t.may.put("c", c);
            t.merging = "c";
            p.merge("c", (d, total) -> { });
            t.may.remove("c");
            t.gone.add("c");
            t.merging = null;
            t.durable = c.clone();
            t.written.clear();
            writes(r, origin, t, crash, 4);
        }
        crash.step("end");
        crash.points().add(new CrashPoints.Point<>(crash.store.flushCount(), crash.store.volatileWrites(),
                crash.origin.flushCount(), crash.origin.volatileWrites(), t.model(), "end"));
        return check(crash, seed, stopAtFirstFailure);
    }

    private static void cut(DmsnapProvider p, DmsnapOrigin origin, Tracker t, CrashPoints<Model> crash, String name,
                            BlockUsage usage) throws Exception {
        crash.step("snapshot " + name);
        byte[] now = Fixture.readAll(origin);
        if (usage != null) {
            for (int b = 0; b < ORIGIN_BLOCKS; b++) {
                if (!usage.inUse(b)) {
                    Arrays.fill(now, b * BLOCK, (b + 1) * BLOCK, (byte) 0);
                }
            }
        }
        SnapshotRequest request = SnapshotRequest.of(name, origin.source("vol"));
        PendingSnapshot pending = p.prepare(usage == null ? request : request.withBlockUsage(usage));
        t.may.put(name, now);
        pending.cut();
        pending.complete();
        t.must.put(name, t.may.remove(name));
    }

    private static void writes(Random r, DmsnapOrigin origin, Tracker t, CrashPoints<Model> crash, int count)
            throws IOException {
        for (int i = 0; i < count; i++) {
            int block = r.nextInt(ORIGIN_BLOCKS);
            int len = 1 + r.nextInt(Math.min(3, ORIGIN_BLOCKS - block));
            crash.step("write blocks " + block + ".." + (block + len - 1));
            t.written.set(block, block + len);
            origin.write(block, ByteBuffer.wrap(Fixture.pattern(len * BLOCK, r.nextInt())));
            if (r.nextInt(4) == 0) {
                crash.step("origin flush");
                origin.flush();
                t.durable = Fixture.readAll(origin);
                t.written.clear();
            }
        }
    }

    private static Result check(CrashPoints<Model> crash, long seed, boolean stopAtFirstFailure) throws Exception {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        List<CrashPoints.State<Model>> all = new ArrayList<>();
        for (CrashPoints.Point<Model> point : crash.points()) {
            all.addAll(CrashPoints.states(point, 10, 6, r));
        }
        List<CrashPoints.State<Model>> chosen = all;
        if (all.size() > IMAGES) {
            chosen = new ArrayList<>(all);
            java.util.Collections.shuffle(chosen, r);
            chosen = chosen.subList(0, IMAGES);
        }
        List<String> failures = new ArrayList<>();
        int i = 0;
        for (CrashPoints.State<Model> s : chosen) {
            String failure = checkState(crash, s, i++ % 16 == 0);
            if (failure != null) {
                failures.add(failure + "; " + s.describe());
                if (stopAtFirstFailure) {
                    break;
                }
            }
        }
        return new Result(i, crash.points().size(), failures);
    }

    /**
     * Null if the state passes the oracle, else why not. With {@code twice}, recovery is
     * also crashed: every crash state of the recovery's own writes to the store (and the
     * origin, for a resumed merge) must recover to a state that passes too.
     */
    private static String checkState(CrashPoints<Model> crash, CrashPoints.State<Model> s, boolean twice)
            throws Exception {
        MemoryBlockDevice store = crash.storeImage(s);
        MemoryBlockDevice real = crash.originImage(s);
        if (!twice) {
            return recoverAndCompare(store, real, s.point().model());
        }
        CrashPoints<Model> recovery = new CrashPoints<>(CrashSimulatingBlockDevice.copyOf("store", store),
                CrashSimulatingBlockDevice.copyOf("origin", real), () -> s.point().model());
        String first = recoverAndCompare(recovery.watchedStore(), recovery.watchedOrigin(), s.point().model());
        if (first != null) {
            return first;
        }
        List<CrashPoints.State<Model>> states = new ArrayList<>();
        Random r = new Random(SEED);
        for (CrashPoints.Point<Model> point : recovery.points()) {
            states.addAll(CrashPoints.states(point, 6, 2, r));
        }
        java.util.Collections.shuffle(states, r);
        for (CrashPoints.State<Model> again : states.subList(0, Math.min(RECOVERY_CRASHES, states.size()))) {
            String second = recoverAndCompare(recovery.storeImage(again), recovery.originImage(again),
                    s.point().model());
            if (second != null) {
                return "after a crash during recovery (" + again.describe() + "): " + second;
            }
        }
        return null;
    }

    private static String recoverAndCompare(BlockDevice store, BlockDevice real, Model m) throws Exception {
        DmsnapProvider p = DmsnapProvider.onDevice(store, CHUNK);
        try {
            DmsnapOrigin origin = p.origin(real);
            if (m.merging() != null) {
                if (p.find(m.merging()).isPresent()) {
                    p.merge(m.merging(), (d, total) -> { });
                }
                if (!Arrays.equals(Fixture.readAll(origin), m.mayExist().get(m.merging()))) {
                    return "after a crash during the merge of '" + m.merging() + "' and its resumption, the "
                            + "origin does not hold the snapshot's contents";
                }
            }
            Set<String> listed = new TreeSet<>();
            for (Snapshot snap : p.list()) {
                listed.add(snap.name());
            }
            for (String name : m.mustExist().keySet()) {
                if (!listed.contains(name)) {
                    return "acknowledged snapshot '" + name + "' is missing (listed " + listed + ")";
                }
            }
            for (String name : listed) {
                if (name.equals(m.merging())) {
                    continue;
                }
                if (m.mustNotExist().contains(name)) {
                    return "deleted snapshot '" + name + "' came back";
                }
                byte[] expected = m.mustExist().containsKey(name) ? m.mustExist().get(name) : m.mayExist().get(name);
                if (expected == null) {
                    return "unknown snapshot '" + name + "' listed";
                }
                byte[] actual = Fixture.contents(p.find(name).orElseThrow());
                if (!Arrays.equals(expected, actual)) {
                    return describeMismatch(name, expected, actual, real);
                }
            }
            byte[] now = Fixture.readAll(origin);
            for (int b = 0; b < ORIGIN_BLOCKS && m.merging() == null; b++) {
                if (!m.writtenSinceFlush().get(b) && !Arrays.equals(now, b * BLOCK, (b + 1) * BLOCK,
                        m.originDurable(), b * BLOCK, (b + 1) * BLOCK)) {
                    return "origin block " + b + " lost its flushed contents";
                }
            }
            return null;
        } finally {
            p.close();
        }
    }

    private static String describeMismatch(String name, byte[] expected, byte[] actual, BlockDevice real)
            throws IOException {
        byte[] originNow = Fixture.readAll(real);
        for (int c = 0; c < ORIGIN_BLOCKS * BLOCK / CHUNK; c++) {
            int from = c * CHUNK;
            int to = from + CHUNK;
            if (!Arrays.equals(expected, from, to, actual, from, to)) {
                boolean fromOrigin = Arrays.equals(actual, from, to, originNow, from, to);
                return "snapshot '" + name + "' changed at chunk " + c + (fromOrigin
                        ? ": origin write durable before its exception" : ": its copy is wrong");
            }
        }
        return "snapshot '" + name + "' changed";
    }
}
