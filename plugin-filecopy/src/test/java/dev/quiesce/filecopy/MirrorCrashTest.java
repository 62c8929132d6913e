package dev.quiesce.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.core.device.CrashSimulatingBlockDevice;
import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The mirror's crash promise: at every crash point, with any subset of each device's
 * unflushed writes persisted (and the log's blocks torn in 512-byte units), the replica
 * equals the primary in every region the recovered log leaves unmarked, and a resync
 * after recovery makes them equal everywhere.
 *
 * <p>Primary, replica and log are three independent crash-simulated disks: a flush of one
 * makes nothing on the others durable. A crash point is one instant of a shared timeline
 * of their writes and flushes; each device contributes the writes of its open epoch
 * issued before that instant. The number of crash images is
 * {@code quiesce.crash.images} (10,000 by default). One phase runs a resync while another
 * thread writes, so the interleaving (not the checks) can vary between runs; a failure
 * prints the crash point and the persisted writes of that run.
 */
class MirrorCrashTest {
    private static final int BLOCK = 512;
    private static final int REGION = 1024;
    private static final int BLOCKS = 32;
    private static final int LOG_TORN_UNIT = 512;

    /** Write and flush events of the three devices, in the order they happened. */
    private static final class Timeline {
        private final List<int[]> events = new ArrayList<>(); // {device, blocks written or -1 for a flush}

        synchronized void record(int device, int blocks) {
            events.add(new int[] {device, blocks});
        }

        synchronized int size() {
            return events.size();
        }

        /** For {@code device} at instant {@code k}: {completed flushes, units written since the last one}. */
        synchronized int[] position(int device, int k) {
            int flushes = 0;
            int units = 0;
            for (int i = 0; i < k; i++) {
                int[] e = events.get(i);
                if (e[0] == device) {
                    if (e[1] < 0) {
                        flushes++;
                        units = 0;
                    } else {
                        units += e[1];
                    }
                }
            }
            return new int[] {flushes, units};
        }
    }

    /** A crash-simulated device whose writes and flushes go on the shared timeline. */
    private static final class Timed implements BlockDevice {
        private final CrashSimulatingBlockDevice disk;
        private final int index;
        private final Timeline timeline;
        /** The injected bug of the self-test: flushes that return without making anything durable. */
        private volatile boolean dropFlushes;

        Timed(CrashSimulatingBlockDevice disk, int index, Timeline timeline) {
            this.disk = disk;
            this.index = index;
            this.timeline = timeline;
        }

        @Override public int blockSize() { return disk.blockSize(); }
        @Override public long blockCount() { return disk.blockCount(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public String name() { return disk.name(); }
        @Override public void read(long block, ByteBuffer dst) throws IOException { disk.read(block, dst); }
        @Override public void close() { }

        @Override
        public void write(long block, ByteBuffer src) throws IOException {
            synchronized (timeline) {
                int blocks = src.remaining() / blockSize();
                disk.write(block, src);
                timeline.record(index, blocks);
            }
        }

        @Override
        public void flush() {
            if (dropFlushes) {
                return;
            }
            synchronized (timeline) {
                disk.flush();
                timeline.record(index, -1);
            }
        }
    }

    @Test
    void afterACrashAtAnyPointTheReplicaIsConsistentOrMarkedForResync() throws Exception {
        String failure = explore(false);
        if (failure != null) {
            fail(failure);
        }
    }

    /** The harness tests itself: a mirror whose log flushes are lost must be caught diverging silently. */
    @Test
    void theHarnessCatchesAMirrorWhoseLogFlushesAreLost() throws Exception {
        String failure = explore(true);
        assertTrue(failure != null && failure.contains("silent divergence"),
                "dropping every log flush after the first resync must show as silent divergence, got: " + failure);
    }

    /** Runs the workload and checks crash images; returns the first failure, or null. */
    private static String explore(boolean dropLogFlushes) throws Exception {
        long seed = Long.getLong("quiesce.tck.seed", 20_261_201L);
        int images = Integer.getInteger("quiesce.crash.images", 10_000);
        Timeline timeline = new Timeline();
        int logBlocks = (int) RegionLog.deviceBlocks(BLOCK, REGION, BLOCKS);
        CrashSimulatingBlockDevice[] disks = {
            new CrashSimulatingBlockDevice("primary", BLOCK, BLOCKS),
            new CrashSimulatingBlockDevice("replica", BLOCK, BLOCKS),
            new CrashSimulatingBlockDevice("log", BLOCK, logBlocks)};
        int created = runWorkload(disks, timeline, new Random(seed), dropLogFlushes);

        Random random = new Random(seed + 1);
        int checked = 0;
        int beforeCreation = 0;
        int events = timeline.size();
        for (int i = 0; i < images; i++) {
            int k = i < events + 1 ? i : random.nextInt(events + 1);
            BitSet[] persisted = new BitSet[3];
            MemoryBlockDevice[] image = new MemoryBlockDevice[3];
            for (int d = 0; d < 3; d++) {
                int[] at = timeline.position(d, k);
                int torn = d == 2 ? LOG_TORN_UNIT : 0;
                int units = at[1] * (torn == 0 ? 1 : BLOCK / torn);
                persisted[d] = subset(units, i, random);
                image[d] = disks[d].crashImage(at[0], persisted[d], torn);
            }
            String where = "seed " + seed + ", crash at event " + k + " of " + events + ", persisted: primary "
                    + persisted[0] + " replica " + persisted[1] + " log units " + persisted[2];
            RegionLog.Image log;
            try {
                log = RegionLog.read(image[2]);
            } catch (MirrorException e) {
                if (k <= created) {
                    beforeCreation++;
                    continue;
                }
                return "mirror log unreadable after creation: " + where + ": " + e.getMessage();
            }
            try {
                checkUnmarkedRegionsEqual(image[0], image[1], log, where);
                if (i % 10 == 0) {
                    checkRecoveryResyncs(image, where);
                }
            } catch (AssertionError e) {
                return e.getMessage();
            }
            checked++;
        }
        System.out.println("MirrorCrashTest" + (dropLogFlushes ? " (self-test, log flushes dropped)" : "") + ": "
                + checked + " crash images checked (" + beforeCreation + " before the log existed) over " + events
                + " events, seed " + seed);
        assertTrue(checked > images / 2, "most crash images fall after the mirror's creation");
        return null;
    }

    /** Empty, full, then random subsets of the units of the open epoch. */
    private static BitSet subset(int units, int i, Random random) {
        BitSet set = new BitSet(units);
        if (i % 3 == 1) {
            set.set(0, units);
        } else if (i % 3 == 2) {
            for (int u = 0; u < units; u++) {
                if (random.nextBoolean()) {
                    set.set(u);
                }
            }
        }
        return set;
    }

    /** Runs create, resync, writes, flushes, split, writes, rejoin, resync; returns the event index of creation. */
    private static int runWorkload(CrashSimulatingBlockDevice[] disks, Timeline timeline, Random random,
                                   boolean dropLogFlushes) throws Exception {
        Timed primary = new Timed(disks[0], 0, timeline);
        Timed replica = new Timed(disks[1], 1, timeline);
        Timed log = new Timed(disks[2], 2, timeline);
        MirroredBlockDevice mirror = MirrorFiles.createOn("mirror", primary, replica, "replica", log, REGION,
                (path, create) -> {
                    throw new IOException("no new legs in this workload");
                });
        int created = timeline.size();
        writes(mirror, random, 6);
        mirror.resync(null);
        log.dropFlushes = dropLogFlushes;
        writes(mirror, random, 20);
        mirror.split();
        writes(mirror, random, 15);
        mirror.rejoin();
        writes(mirror, random, 5);
        // The resync races a writer; the timeline records whatever order they took.
        Random writerRandom = new Random(random.nextLong());
        List<Throwable> failures = new ArrayList<>();
        Thread writer = new Thread(() -> {
            try {
                writes(mirror, writerRandom, 12);
            } catch (IOException e) {
                failures.add(e);
            }
        });
        writer.start();
        mirror.resync(null);
        writer.join();
        assertTrue(failures.isEmpty(), () -> "writer failed: " + failures);
        mirror.resync(null);
        writes(mirror, random, 10);
        mirror.close();
        return created;
    }

    private static void writes(MirroredBlockDevice mirror, Random random, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int blocks = 1 + random.nextInt(3);
            long block = random.nextInt(BLOCKS - blocks + 1);
            byte[] data = new byte[blocks * BLOCK];
            random.nextBytes(data);
            mirror.write(block, ByteBuffer.wrap(data));
            if (random.nextInt(4) == 0) {
                mirror.flush();
            }
        }
    }

    private static void checkUnmarkedRegionsEqual(BlockDevice primary, BlockDevice replica, RegionLog.Image log,
                                                  String where) throws IOException {
        int blocksPerRegion = REGION / BLOCK;
        for (int r = 0; r < log.regionCount(); r++) {
            if ((log.bitmap()[r >>> 6] & (1L << r)) != 0) {
                continue;
            }
            ByteBuffer a = ByteBuffer.allocate(REGION);
            ByteBuffer b = ByteBuffer.allocate(REGION);
            primary.read((long) r * blocksPerRegion, a);
            replica.read((long) r * blocksPerRegion, b);
            if (!Arrays.equals(a.array(), b.array())) {
                fail("region " + r + " differs but the log (" + log.state() + ", sequence " + log.sequence()
                        + ") does not mark it: silent divergence; " + where);
            }
        }
    }

    private static void checkRecoveryResyncs(MemoryBlockDevice[] image, String where) throws Exception {
        MirroredBlockDevice recovered = MirrorFiles.openOn("recovered", image[0], image[1], image[2],
                (path, create) -> image[1]);
        if (recovered.state() == MirrorState.SPLIT) {
            recovered.rejoin();
        }
        recovered.resync(null);
        assertEquals(MirrorState.MIRRORED, recovered.state(), where);
        assertEquals(0, recovered.pendingRegions(), where);
        assertTrue(Arrays.equals(image[0].toByteArray(), image[1].toByteArray()),
                "after recovery and resync the legs must be equal; " + where);
        RegionLog.Image after = RegionLog.read(image[2]);
        assertEquals(MirrorState.MIRRORED, after.state(), where);
    }
}
