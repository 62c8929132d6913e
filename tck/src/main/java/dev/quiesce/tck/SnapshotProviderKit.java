package dev.quiesce.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.InvalidSnapshotException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ReadOnlyDeviceException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.UnsupportedSourceException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit for {@link SnapshotProvider} (SPEC.md S1-S14). Extend it in a test
 * class and implement {@link #createSubject()}:
 *
 * <pre>{@code
 * class MyProviderTest extends SnapshotProviderKit {
 *     protected ProviderSubject createSubject() throws Exception { return new MySubject(tempDir); }
 * }
 * }</pre>
 *
 * The kit checks the API (idempotency, conflicts, listing, deletes, aborts, as
 * csi-sanity does) and the data: it writes random blocks to a source, cuts, writes more,
 * and reads every block of the snapshot back. Content comes from {@link #seed()}, so a
 * failure repeats. Rules needing a subject hook it lacks are NOT_APPLICABLE with why.
 */
public abstract class SnapshotProviderKit extends AbstractKit {
    private final List<ProviderSubject> subjects = new ArrayList<>();
    private Random random;

    protected SnapshotProviderKit() {
    }

    /** A fresh provider with an empty store, and its sources. */
    protected abstract ProviderSubject createSubject() throws Exception;

    @Override
    final Rule.Contract contract() {
        return Rule.Contract.SNAPSHOT_PROVIDER;
    }

    @AfterEach
    final void closeSubjects() throws Exception {
        closeAll(subjects);
    }

    private ProviderSubject subject() throws Exception {
        ProviderSubject s = createSubject();
        subjects.add(s);
        random = new Random(seed());
        return s;
    }

    private SnapshotSource source(ProviderSubject s) throws Exception {
        SnapshotSource source = s.newSource();
        assertTrue(s.provider().supports(source), "the provider must support the subject's sources: " + source);
        scribble(source, Math.max(1, (int) Math.min(source.device().blockCount() / 2, 256)));
        return source;
    }

    /** Writes random content to {@code count} random blocks of the source. */
    private void scribble(SnapshotSource source, int count) throws Exception {
        BlockDevice device = source.device();
        byte[] data = new byte[device.blockSize()];
        for (int i = 0; i < count; i++) {
            random.nextBytes(data);
            device.write(Math.floorMod(random.nextLong(), device.blockCount()), ByteBuffer.wrap(data));
        }
        device.flush();
    }

    /** The whole content of a device, block by block. */
    static byte[][] image(BlockDevice device) throws Exception {
        assertTrue(device.blockCount() <= 1 << 16, "kit sources must have at most 65536 blocks, "
                + device.name() + " has " + device.blockCount());
        byte[][] blocks = new byte[(int) device.blockCount()][];
        for (int b = 0; b < blocks.length; b++) {
            ByteBuffer buffer = ByteBuffer.allocate(device.blockSize());
            device.read(b, buffer);
            blocks[b] = buffer.array();
        }
        return blocks;
    }

    /** Asserts the snapshot reads {@code expected}; with a bitmap, free blocks read zeros. */
    private static void assertReads(byte[][] expected, Snapshot snapshot, BlockUsage usage) throws Exception {
        try (BlockDevice view = snapshot.open()) {
            assertEquals(expected.length, view.blockCount(), "snapshot " + snapshot.name() + " block count");
            byte[][] actual = image(view);
            byte[] zeros = new byte[view.blockSize()];
            for (int b = 0; b < expected.length; b++) {
                boolean used = usage == null || usage.inUse(b);
                assertArrayEquals(used ? expected[b] : zeros, actual[b], "snapshot '" + snapshot.name()
                        + "' block " + b + (used ? "" : " (free in the bitmap: must read zeros)"));
            }
        }
    }

    private static Snapshot create(SnapshotProvider provider, SnapshotRequest request) throws Exception {
        PendingSnapshot pending = provider.prepare(request);
        try {
            pending.cut();
            return pending.complete();
        } catch (Exception | Error e) {
            pending.abort();
            throw e;
        }
    }

    private static Set<String> names(SnapshotProvider provider) throws Exception {
        Set<String> names = new TreeSet<>();
        provider.list().forEach(s -> names.add(s.name()));
        return names;
    }

    @Test
    public void S1_snapshotReadsSourceAtCut() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] atCut = image(source.device());
        Snapshot snap = create(s.provider(), SnapshotRequest.of("kit-s1", source));
        assertReads(atCut, snap, null);
        Capabilities caps = s.provider().capabilities();
        if (caps.usesBlockUsage()) {
            long count = source.device().blockCount();
            long[] words = new long[(int) ((count + 63) / 64)];
            for (long b = 0; b < count; b++) {
                if (random.nextBoolean()) {
                    words[(int) (b >>> 6)] |= 1L << b;
                }
            }
            BlockUsage usage = BlockUsage.of(source.device().blockSize(), count, words);
            atCut = image(source.device());
            Snapshot partial = create(s.provider(), SnapshotRequest.of("kit-s1-usage", source).withBlockUsage(usage));
            scribble(source, 64);
            assertReads(atCut, partial, usage);
        }
    }

    @Test
    public void S2_laterSourceWritesNeverChangeSnapshot() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] first = image(source.device());
        Snapshot a = create(s.provider(), SnapshotRequest.of("kit-s2-a", source));
        scribble(source, 64);
        byte[][] second = image(source.device());
        Snapshot b = create(s.provider(), SnapshotRequest.of("kit-s2-b", source));
        for (int round = 0; round < 3; round++) {
            scribble(source, 64);
            // Rewrite the whole source in multi-block writes too: copied chunks get
            // rewritten, and one write spans several chunks.
            int span = 4;
            byte[] data = new byte[span * source.device().blockSize()];
            for (long blk = 0; blk + span <= source.device().blockCount(); blk += span) {
                random.nextBytes(data);
                source.device().write(blk, ByteBuffer.wrap(data));
            }
        }
        assertReads(first, a, null);
        assertReads(second, b, null);
    }

    @Test
    public void S3_snapshotViewIsReadOnly() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] atCut = image(source.device());
        Snapshot snap = create(s.provider(), SnapshotRequest.of("kit-s3", source));
        try (BlockDevice view = snap.open()) {
            assertTrue(view.isReadOnly(), "a snapshot view must say it is read-only");
            ByteBuffer junk = ByteBuffer.allocate(view.blockSize());
            assertThrows(ReadOnlyDeviceException.class, () -> view.write(0, junk), "write to a snapshot view");
        }
        assertReads(atCut, snap, null);
    }

    @Test
    public void S4_createIsIdempotentByName() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] atCut = image(source.device());
        Snapshot first = create(s.provider(), SnapshotRequest.of("kit-s4", source));
        scribble(source, 16);
        Snapshot again = create(s.provider(), SnapshotRequest.of("kit-s4", source));
        assertEquals(first.id(), again.id(), "the same name and source must return the same snapshot");
        PendingSnapshot retry = s.provider().prepare(SnapshotRequest.of("kit-s4", source));
        retry.abort();
        assertEquals(Set.of("kit-s4"), names(s.provider()), "aborting a repeated request removed or added snapshots");
        Snapshot still = s.provider().find("kit-s4").orElseThrow(() -> new AssertionError("kit-s4 vanished"));
        assertEquals(first.id(), still.id());
        assertReads(atCut, still, null);
    }

    @Test
    public void S5_sameNameOtherSourceConflicts() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource a = source(s);
        SnapshotSource b = source(s);
        assertNotEquals(a.id(), b.id(), "newSource() must give distinct ids");
        byte[][] atCut = image(a.device());
        Snapshot snap = create(s.provider(), SnapshotRequest.of("kit-s5", a));
        byte[][] otherBefore = image(b.device());
        assertThrows(SnapshotNameConflictException.class,
                () -> create(s.provider(), SnapshotRequest.of("kit-s5", b)), "the same name for another source");
        assertEquals(Set.of("kit-s5"), names(s.provider()), "a conflict changed the list");
        Snapshot still = s.provider().find("kit-s5").orElseThrow();
        assertEquals(a.id(), still.sourceId(), "the conflicting request changed the snapshot's source");
        assertEquals(snap.id(), still.id());
        assertReads(atCut, still, null);
        assertArrayEquals(otherBefore, image(b.device()), "the conflicting request changed the other source");
    }

    @Test
    public void S6_deleteMissingSucceedsAndNameIsReusable() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        s.provider().delete("kit-s6-never-created");
        create(s.provider(), SnapshotRequest.of("kit-s6", source));
        s.provider().delete("kit-s6");
        assertFalse(names(s.provider()).contains("kit-s6"), "a deleted snapshot is still listed");
        assertTrue(s.provider().find("kit-s6").isEmpty(), "a deleted snapshot is still found");
        s.provider().delete("kit-s6");
        scribble(source, 16);
        byte[][] now = image(source.device());
        Snapshot reused = create(s.provider(), SnapshotRequest.of("kit-s6", source));
        assertReads(now, reused, null);
    }

    @Test
    public void S7_abortAtAnyStepLeaksNothing() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        Set<String> before = names(s.provider());
        OptionalLong storeBefore = s.storeBytesUsed();
        PendingSnapshot prepared = s.provider().prepare(SnapshotRequest.of("kit-s7-prepared", source));
        prepared.abort();
        prepared.abort();
        assertNoLeak(s, before, storeBefore, "abort after prepare");
        PendingSnapshot cut = s.provider().prepare(SnapshotRequest.of("kit-s7-cut", source));
        cut.cut();
        scribble(source, 32);
        cut.abort();
        cut.abort();
        assertNoLeak(s, before, storeBefore, "abort after cut");
        byte[][] now = image(source.device());
        PendingSnapshot done = s.provider().prepare(SnapshotRequest.of("kit-s7-done", source));
        done.cut();
        Snapshot kept = done.complete();
        done.abort();
        assertTrue(names(s.provider()).contains("kit-s7-done"), "abort after complete must be a no-op");
        assertReads(now, kept, null);
    }

    private static void assertNoLeak(ProviderSubject s, Set<String> before, OptionalLong storeBefore, String step)
            throws Exception {
        assertEquals(before, names(s.provider()), step + " left a listed snapshot");
        OptionalLong storeAfter = s.storeBytesUsed();
        if (storeBefore.isPresent() && storeAfter.isPresent()) {
            assertEquals(storeBefore.getAsLong(), storeAfter.getAsLong(), step + " left store space in use");
        }
    }

    @Test
    public void S8_capabilitiesAreTruthful() throws Exception {
        ProviderSubject s = subject();
        Capabilities caps = s.provider().capabilities();
        SnapshotSource source = source(s);
        assertTrue(s.provider().supports(source));
        Snapshot snap = create(s.provider(), SnapshotRequest.of("kit-s8", source));
        assertEquals(caps.technique(), snap.technique(), "the claimed technique vs the snapshot's");
        assertEquals(source.id(), snap.sourceId());
        for (Snapshot listed : s.provider().list()) {
            assertEquals(caps.technique(), listed.technique(), "technique of listed " + listed.name());
        }
    }

    @Test
    public void S9_cutWritesNothingToSource() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] before = image(source.device());
        Optional<DeviceWitness> witness = s.witness(source);
        PendingSnapshot pending = s.provider().prepare(SnapshotRequest.of("kit-s9", source));
        long from = witness.map(DeviceWitness::mark).orElse(0L);
        pending.cut();
        long to = witness.map(DeviceWitness::mark).orElse(0L);
        if (witness.isPresent()) {
            List<String> writes = witness.get().writesBetween(from, to);
            assertTrue(writes.isEmpty(), "the cut wrote to the source: " + writes);
        }
        assertArrayEquals(before, image(source.device()), "the cut changed the source's content");
        Snapshot snap = pending.complete();
        assertReads(before, snap, null);
    }

    @Test
    public void S10_listShowsEverySnapshot() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource a = source(s);
        SnapshotSource b = source(s);
        java.util.Map<String, Snapshot> created = new java.util.TreeMap<>();
        for (String name : List.of("kit-s10-a1", "kit-s10-b1", "kit-s10-a2")) {
            created.put(name, create(s.provider(), SnapshotRequest.of(name, name.contains("-a") ? a : b)));
        }
        List<Snapshot> listed = s.provider().list();
        assertEquals(created.keySet(), names(s.provider()));
        for (Snapshot snap : listed) {
            Snapshot made = created.get(snap.name());
            assertEquals(snap.name().contains("-a") ? a.id() : b.id(), snap.sourceId(), "source of " + snap.name());
            assertEquals(made.technique(), snap.technique(), "technique of listed " + snap.name());
            assertEquals(made.id(), snap.id(), "id of listed " + snap.name());
        }
        s.provider().delete("kit-s10-a1");
        assertEquals(Set.of("kit-s10-a2", "kit-s10-b1"), names(s.provider()), "list after a delete");
    }

    @Test
    public void S11_deleteLeavesOthersExact() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        List<byte[][]> images = new ArrayList<>();
        List<Snapshot> snaps = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(image(source.device()));
            snaps.add(create(s.provider(), SnapshotRequest.of("kit-s11-" + i, source)));
            scribble(source, 48);
        }
        s.provider().delete("kit-s11-1");
        scribble(source, 48);
        s.provider().delete("kit-s11-3");
        scribble(source, 48);
        assertReads(images.get(0), snaps.get(0), null);
        assertReads(images.get(2), snaps.get(2), null);
    }

    @Test
    public void S12_unsupportedSourceFailsInPrepare() throws Exception {
        ProviderSubject s = subject();
        Optional<SnapshotSource> unsupported = s.unsupportedSource();
        if (unsupported.isEmpty()) {
            notApplicableBecause("the subject names no source the provider does not support");
        }
        SnapshotSource bad = unsupported.get();
        assertFalse(s.provider().supports(bad), "supports() accepted the unsupported source " + bad);
        Set<String> before = names(s.provider());
        OptionalLong storeBefore = s.storeBytesUsed();
        assertThrows(UnsupportedSourceException.class,
                () -> s.provider().prepare(SnapshotRequest.of("kit-s12", bad)).abort(), "prepare of " + bad);
        assertNoLeak(s, before, storeBefore, "the refused prepare");
    }

    @Test
    public void S13_invalidSnapshotFailsEveryRead() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        Snapshot snap = create(s.provider(), SnapshotRequest.of("kit-s13", source));
        if (!s.invalidate(source, snap)) {
            notApplicableBecause("the subject cannot make a snapshot invalid (no store that can overflow)");
        }
        Snapshot now = s.provider().find("kit-s13").orElse(snap);
        assertFalse(now.isValid(), "an invalidated snapshot says it is valid");
        try (BlockDevice view = now.open()) {
            for (long b : new long[] {0, view.blockCount() / 2, view.blockCount() - 1}) {
                ByteBuffer buffer = ByteBuffer.allocate(view.blockSize());
                assertThrows(InvalidSnapshotException.class, () -> view.read(b, buffer), "read of block " + b);
            }
        } catch (InvalidSnapshotException refusedAtOpen) {
            // Refusing to open at all is as good as refusing every read.
        }
    }

    @Test
    public void S14_completeMakesSnapshotReady() throws Exception {
        ProviderSubject s = subject();
        SnapshotSource source = source(s);
        byte[][] atCut = image(source.device());
        PendingSnapshot pending = s.provider().prepare(SnapshotRequest.of("kit-s14", source));
        Snapshot cut = pending.cut();
        if (cut == null) {
            fail("cut() returned null");
        }
        scribble(source, 32);
        Snapshot ready = pending.complete();
        assertTrue(ready.isReady(), "complete() returned a snapshot that is not ready");
        assertReads(atCut, ready, null);
        Snapshot listed = s.provider().find("kit-s14").orElseThrow(() -> new AssertionError("kit-s14 not listed"));
        assertTrue(listed.isReady(), "the listed snapshot is not ready after complete()");
    }
}
