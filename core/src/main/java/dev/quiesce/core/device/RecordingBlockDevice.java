package dev.quiesce.core.device;

import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A device that records every write and flush that reaches the device it wraps, with
 * the order, the time and the thread: the witness the kit uses to prove that nothing was
 * written while a target was frozen (SPEC.md F1, F2, S9).
 *
 * <p>Each operation takes two numbers from one JVM-wide sequence: one when it starts
 * (before the wrapped device sees it) and one when it ends. {@link #mark()} takes a
 * number from the same sequence, so "did anything touch the device between these two
 * marks" has an exact answer even across several recording devices and threads, with
 * no reliance on clocks. {@link System#nanoTime()} is kept as well, for reports.
 *
 * <p>Reads are passed through and not recorded. Events accumulate until {@link #clear()}.
 */
public final class RecordingBlockDevice implements BlockDevice {

    /** What reached the device. */
    public enum Kind { WRITE, FLUSH }

    /**
     * One write or flush.
     *
     * @param start      sequence number taken before the wrapped device saw it
     * @param end        sequence number taken after it returned (or threw)
     * @param kind       write or flush
     * @param block      first block written (-1 for a flush)
     * @param blocks     blocks written (0 for a flush)
     * @param startNanos {@link System#nanoTime()} at the start
     * @param endNanos   {@link System#nanoTime()} at the end
     * @param thread     the name of the thread that issued it
     * @param failed     whether the wrapped device threw
     */
    public record Event(long start, long end, Kind kind, long block, int blocks, long startNanos,
                        long endNanos, String thread, boolean failed) {
        /** Whether any part of it lies strictly between the two sequence numbers. */
        public boolean overlaps(long from, long to) {
            return start < to && end > from;
        }

        @Override
        public String toString() {
            return kind + (kind == Kind.WRITE ? " blocks " + block + ".." + (block + blocks - 1) : "")
                    + " seq " + start + "-" + (end == Long.MAX_VALUE ? "in flight" : end)
                    + " by " + thread + (failed ? " (failed)" : "");
        }
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final BlockDevice device;
    /** Finished events by their end sequence number: queries near a mark stay cheap. */
    private final ConcurrentSkipListMap<Long, Event> finished = new ConcurrentSkipListMap<>();
    private final Map<Long, Event> inFlight = new ConcurrentHashMap<>();

    public RecordingBlockDevice(BlockDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    /** The device underneath. */
    public BlockDevice device() {
        return device;
    }

    /** A point in the JVM-wide order of device operations, for the queries below. */
    public static long mark() {
        return SEQUENCE.incrementAndGet();
    }

    @Override public int blockSize() { return device.blockSize(); }
    @Override public long blockCount() { return device.blockCount(); }
    @Override public boolean isReadOnly() { return device.isReadOnly(); }
    @Override public String name() { return device.name(); }

    @Override
    public void read(long block, ByteBuffer dst) throws IOException {
        device.read(block, dst);
    }

    @Override
    public void write(long block, ByteBuffer src) throws IOException {
        int blocks = BlockDevice.checkTransfer(this, block, src);
        record(Kind.WRITE, block, blocks, () -> device.write(block, src));
    }

    @Override
    public void flush() throws IOException {
        record(Kind.FLUSH, -1, 0, device::flush);
    }

    private interface Io {
        void run() throws IOException;
    }

    private void record(Kind kind, long block, int blocks, Io io) throws IOException {
        long startNanos = System.nanoTime();
        long start = SEQUENCE.incrementAndGet();
        String thread = Thread.currentThread().getName();
        inFlight.put(start, new Event(start, Long.MAX_VALUE, kind, block, blocks, startNanos, Long.MAX_VALUE,
                thread, false));
        boolean failed = true;
        try {
            io.run();
            failed = false;
        } finally {
            long end = SEQUENCE.incrementAndGet();
            Event done = new Event(start, end, kind, block, blocks, startNanos, System.nanoTime(), thread, failed);
            finished.put(end, done);
            inFlight.remove(start);
        }
    }

    /** Every recorded operation, finished ones in order of completion, then those in flight. */
    public List<Event> events() {
        return eventsEndingAfter(Long.MIN_VALUE);
    }

    /** Finished events ending after {@code sequence}, then every event in flight. */
    private List<Event> eventsEndingAfter(long sequence) {
        // In-flight first: an operation finishing meanwhile is then seen in one place or
        // both (finished wins), never in neither.
        Map<Long, Event> pending = new HashMap<>(inFlight);
        List<Event> all = new ArrayList<>(finished.tailMap(sequence, false).values());
        for (Event e : all) {
            pending.remove(e.start());
        }
        all.addAll(pending.values());
        return all;
    }

    /** Every write that was at the device at any moment between the two marks. */
    public List<Event> writesBetween(long fromMark, long toMark) {
        return select(fromMark, e -> e.kind() == Kind.WRITE && e.overlaps(fromMark, toMark));
    }

    /** Every flush that was at the device at any moment between the two marks. */
    public List<Event> flushesBetween(long fromMark, long toMark) {
        return select(fromMark, e -> e.kind() == Kind.FLUSH && e.overlaps(fromMark, toMark));
    }

    /** Every write that was at the device at any moment in the {@code nanoTime} interval. */
    public List<Event> writesDuring(long fromNanos, long toNanos) {
        return select(Long.MIN_VALUE, e -> e.kind() == Kind.WRITE && e.startNanos() < toNanos
                && e.endNanos() > fromNanos);
    }

    /**
     * Throws an {@link AssertionError} listing every write between the two marks, if any
     * (F2).
     */
    public void assertNoWritesBetween(long fromMark, long toMark) {
        List<Event> writes = writesBetween(fromMark, toMark);
        if (!writes.isEmpty()) {
            throw new AssertionError(name() + ": " + writes.size() + " write(s) reached the device between marks "
                    + fromMark + " and " + toMark + ": " + writes);
        }
    }

    /**
     * Whether, at {@code mark}, no write was in flight and every write that had completed
     * was followed by a completed flush (F1).
     */
    public boolean durableAt(long mark) {
        for (Event e : eventsEndingAfter(mark)) {
            if (e.start() < mark) {
                return false; // something was still at the device at the mark
            }
        }
        // Walk back from the mark: durable if a flush that started after the last
        // successful write ended also finished before the mark.
        long latestFlushStart = Long.MIN_VALUE;
        for (Event e : finished.headMap(mark, false).descendingMap().values()) {
            if (e.failed()) {
                continue;
            }
            if (e.kind() == Kind.FLUSH) {
                latestFlushStart = Math.max(latestFlushStart, e.start());
            } else {
                return latestFlushStart > e.end();
            }
        }
        return true;
    }

    /** The last flush that completed before {@code mark}. */
    public Optional<Event> lastFlushBefore(long mark) {
        Event last = null;
        for (Event e : finished.headMap(mark, false).descendingMap().values()) {
            if (e.kind() == Kind.FLUSH && !e.failed()) {
                last = e;
                break;
            }
        }
        return Optional.ofNullable(last);
    }

    /** Forgets every finished event (those in flight stay). */
    public void clear() {
        finished.clear();
    }

    private List<Event> select(long endingAfter, Predicate<Event> filter) {
        List<Event> out = new ArrayList<>();
        for (Event e : eventsEndingAfter(endingAfter)) {
            if (filter.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        device.close();
    }

    @Override
    public String toString() {
        return "RecordingBlockDevice[" + device.name() + "]";
    }
}
