package dev.quiesce.filecopy;

import java.io.IOException;
import java.util.Arrays;

/**
 * Which regions of a mirror's replica may differ from the primary, and the rule that
 * keeps the log ahead of the data: a region's bit is durable in the {@link RegionLog}
 * before any write to it is issued, and it is cleared only after both legs were flushed
 * with no write to that region in flight or completed since.
 *
 * <p>Three sets are kept: {@code stale} regions (the replica is known or feared to be
 * behind: after a crash, a rejoin, a new replica, a failed replica write; while split,
 * the regions changed since the split), {@code intent} regions (written since the last
 * flush while mirrored) and {@code touched} regions (a write began or ended since the
 * last flush started). The log holds {@code stale | intent}.
 *
 * <p>Threading: every method is synchronized; the log is written under the same
 * monitor, so a writer that finds its bit already set knows it is already durable.
 */
final class RegionMap {
    private static final int MAX_LOOKAHEAD = 256;
    private final RegionLog log;
    private final int regionSize;
    private final long blockCount;
    private final int regionCount;
    private final long[] stale;
    private final long[] intent;
    private final long[] touched;
    private final long[] persisted;
    private final int[] inflight;
    private MirrorState state;
    private String replica;
    private int lookahead;

    RegionMap(RegionLog log, RegionLog.Image image) {
        this.log = log;
        this.regionSize = image.regionSize();
        this.blockCount = image.blockCount();
        this.regionCount = image.regionCount();
        this.stale = image.bitmap().clone();
        this.intent = new long[stale.length];
        this.touched = new long[stale.length];
        this.persisted = image.bitmap().clone();
        this.inflight = new int[regionCount];
        this.replica = image.replica();
        // A log left MIRRORED with bits set is a crash mid-write: those regions may diverge.
        boolean anyStale = Arrays.stream(stale).anyMatch(w -> w != 0);
        this.state = image.state() == MirrorState.MIRRORED && anyStale ? MirrorState.RESYNCING : image.state();
    }

    static long[] allRegions(int regionCount) {
        long[] bits = new long[(regionCount + 63) / 64];
        for (int r = 0; r < regionCount; r++) {
            bits[r >>> 6] |= 1L << r;
        }
        return bits;
    }

    int regionCount() { return regionCount; }
    int regionSize() { return regionSize; }
    synchronized MirrorState state() { return state; }
    synchronized String replica() { return replica; }

    /**
     * Marks regions {@code first..last} as being written; returns once their bits are
     * durable. While mirrored, a write that continues a sequential run also marks the
     * regions after it, doubling how far ahead each time the run goes on (as readahead
     * does), so a stream of writes pays one log write per doubling instead of one per
     * region. A region marked ahead but never written costs only a resync after a crash;
     * the next flush clears it.
     */
    synchronized void beginWrite(int first, int last) throws IOException {
        for (int r = first; r <= last; r++) {
            inflight[r]++;
            set(touched, r);
        }
        if (state == MirrorState.SPLIT) {
            for (int r = first; r <= last; r++) {
                set(stale, r);
            }
            persistIfGrown();
            return;
        }
        boolean grows = false;
        for (int r = first; r <= last; r++) {
            grows |= !isSet(persisted, r);
            set(intent, r);
        }
        if (grows) {
            lookahead = first > 0 && isSet(intent, first - 1) ? Math.min(MAX_LOOKAHEAD, Math.max(1, lookahead * 2)) : 0;
            for (int r = last + 1; r <= Math.min(regionCount - 1, last + lookahead); r++) {
                set(intent, r);
                set(touched, r);
            }
            persistIfGrown();
        }
    }

    /** Marks regions {@code first..last} as no longer being written. */
    synchronized void endWrite(int first, int last) {
        for (int r = first; r <= last; r++) {
            inflight[r]--;
            set(touched, r);
        }
    }

    /** A replica write failed: the regions stay marked until a resync copies them. */
    synchronized void markStale(int first, int last) throws IOException {
        for (int r = first; r <= last; r++) {
            set(stale, r);
        }
        persistIfGrown();
    }

    /** Takes the regions touched since the last call: the candidates a flush may clear. */
    synchronized long[] takeTouched() {
        long[] taken = touched.clone();
        Arrays.fill(touched, 0);
        return taken;
    }

    /** After both legs were flushed: clears the intents of {@code candidates} that stayed quiet. */
    synchronized void clearQuiet(long[] candidates) throws IOException {
        for (int w = 0; w < candidates.length; w++) {
            long bits = candidates[w] & ~touched[w];
            while (bits != 0) {
                int r = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (inflight[r] == 0) {
                    intent[w] &= ~(1L << r);
                }
            }
        }
        persistIfChanged();
    }

    /** The first stale region at or after {@code from}, or -1. */
    synchronized int nextStale(int from) {
        for (int r = Math.max(0, from); r < regionCount; r++) {
            if ((stale[r >>> 6] & (1L << r)) != 0) {
                return r;
            }
        }
        return -1;
    }

    synchronized int staleCount() {
        return Arrays.stream(stale).mapToInt(Long::bitCount).sum();
    }

    /** Copied regions whose copy is durable on both legs; a resync that empties the set ends it. */
    synchronized void clearStale(int[] regions, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int r = regions[i];
            stale[r >>> 6] &= ~(1L << r);
        }
        if (state == MirrorState.RESYNCING && Arrays.stream(stale).allMatch(w -> w == 0)) {
            state = MirrorState.MIRRORED;
            log.write(state, replica, union(), regionSize, blockCount);
            System.arraycopy(union(), 0, persisted, 0, persisted.length);
        } else {
            persistIfChanged();
        }
    }

    /** The split: both legs were flushed with no write in flight; from now on changes are tracked. */
    synchronized void split() throws IOException {
        if (state != MirrorState.MIRRORED || Arrays.stream(stale).anyMatch(w -> w != 0)) {
            throw new MirrorException(replica, "cannot split: replica is " + state + " with "
                    + staleCount() + " region(s) still to resync");
        }
        Arrays.fill(intent, 0);
        state = MirrorState.SPLIT;
        writeAll();
    }

    /** The split replica comes back: the regions changed since the split become stale. */
    synchronized void rejoin() throws IOException {
        requireSplit();
        state = staleCount() == 0 ? MirrorState.MIRRORED : MirrorState.RESYNCING;
        writeAll();
    }

    /** A new, empty replica replaces the split one: every region is stale. */
    synchronized void attachNew(String newReplica) throws IOException {
        requireSplit();
        long[] all = allRegions(regionCount);
        System.arraycopy(all, 0, stale, 0, stale.length);
        replica = newReplica;
        state = MirrorState.RESYNCING;
        writeAll();
    }

    /** Back to split from {@code previous} after a new replica was dropped: every region counts as changed. */
    synchronized void revertToSplit(String previous) throws IOException {
        long[] all = allRegions(regionCount);
        System.arraycopy(all, 0, stale, 0, stale.length);
        Arrays.fill(intent, 0);
        replica = previous;
        state = MirrorState.SPLIT;
        writeAll();
    }

    private void requireSplit() throws MirrorException {
        if (state != MirrorState.SPLIT) {
            throw new MirrorException(replica, "replica is " + state + ", not split");
        }
    }

    private void writeAll() throws IOException {
        long[] bits = union();
        log.write(state, replica, bits, regionSize, blockCount);
        System.arraycopy(bits, 0, persisted, 0, bits.length);
    }

    private void persistIfGrown() throws IOException {
        for (int w = 0; w < stale.length; w++) {
            if (((stale[w] | intent[w]) & ~persisted[w]) != 0) {
                writeAll();
                return;
            }
        }
    }

    private void persistIfChanged() throws IOException {
        for (int w = 0; w < stale.length; w++) {
            if ((stale[w] | intent[w]) != persisted[w]) {
                writeAll();
                return;
            }
        }
    }

    private long[] union() {
        long[] bits = new long[stale.length];
        for (int w = 0; w < bits.length; w++) {
            bits[w] = stale[w] | intent[w];
        }
        return bits;
    }

    private static boolean isSet(long[] bits, int r) {
        return (bits[r >>> 6] & (1L << r)) != 0;
    }

    private static void set(long[] bits, int r) {
        bits[r >>> 6] |= 1L << r;
    }
}
