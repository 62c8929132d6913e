package dev.quiesce.cli;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The demo's live load and its judge. Each writer thread owns {@link #SLOTS} files and
 * overwrites them in turn, one whole-file write per operation (one filesystem change,
 * so a freeze falls between two operations, never inside one). Operation {@code k} of
 * writer {@code w} goes to slot {@code k % SLOTS} and its bytes are a function of
 * {@code (w, k)} alone.
 *
 * <p>So the state at a freeze is, for each writer, some prefix of its operations: the
 * backup holds exactly the state at the freeze when every writer's files show one
 * prefix {@code p} (each slot holds the last operation below {@code p} that went to it,
 * byte for byte) and {@code p} lies between the operations completed before the freeze
 * was asked for and those started before the thaw returned.
 */
final class DemoWorkload {
    static final int SLOTS = 16;
    static final int FILE_BYTES = 16 * 1024;
    private static final int MAGIC = 0x51554945;
    private static final int BULK_FILES = 24;
    private static final int BULK_BYTES = 1 << 20;

    private final Dusk fs;
    private final int writers;
    private final long seed;
    private final AtomicLongArray started;
    private final AtomicLongArray completed;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    DemoWorkload(Dusk fs, int writers, long seed) {
        this.fs = fs;
        this.writers = writers;
        this.seed = seed;
        this.started = new AtomicLongArray(writers);
        this.completed = new AtomicLongArray(writers);
    }

    /** Writes the bulk files and every writer's initial slots; returns the bytes written. */
    long populate() throws IOException {
        fs.mkdir("/bulk");
        byte[] bulk = new byte[BULK_BYTES];
        for (int n = 0; n < BULK_FILES; n++) {
            new SplittableRandom(seed * 31 + n).nextBytes(bulk);
            fs.writeFile("/bulk/b" + n, bulk);
        }
        for (int w = 0; w < writers; w++) {
            fs.mkdir("/w" + w);
            for (int slot = 0; slot < SLOTS; slot++) {
                fs.writeFile(slotPath(w, slot), content(w, slot, -1));
            }
        }
        fs.sync();
        return (long) BULK_FILES * BULK_BYTES + (long) writers * SLOTS * FILE_BYTES;
    }

    void start() {
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> write(writer), "demo-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void write(int w) {
        DuskFile[] files = new DuskFile[SLOTS];
        try {
            for (int slot = 0; slot < SLOTS; slot++) {
                files[slot] = fs.open(slotPath(w, slot));
            }
            for (long k = 0; !stop; k++) {
                int slot = (int) (k % SLOTS);
                started.incrementAndGet(w);
                files[slot].write(0, ByteBuffer.wrap(content(w, slot, k)));
                completed.incrementAndGet(w);
            }
        } catch (IOException | RuntimeException e) {
            failures.add(e);
        } finally {
            for (DuskFile f : files) {
                if (f != null) {
                    try {
                        f.close();
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
            }
        }
    }

    /** Operations each writer finished so far: a lower bound on what a later freeze holds. */
    long[] completed() {
        long[] c = new long[writers];
        for (int w = 0; w < writers; w++) {
            c[w] = completed.get(w);
        }
        return c;
    }

    /** Operations each writer began so far: an upper bound on what an earlier freeze holds. */
    long[] started() {
        long[] s = new long[writers];
        for (int w = 0; w < writers; w++) {
            s[w] = started.get(w);
        }
        return s;
    }

    long operations() {
        long sum = 0;
        for (long c : completed()) {
            sum += c;
        }
        return sum;
    }

    /** Stops the writers (bounded) and reports the first error any of them hit. */
    void stop() throws IOException, InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(30_000);
            if (t.isAlive()) {
                throw new IOException(t.getName() + " did not stop within 30 s");
            }
        }
        Throwable failure = failures.peek();
        if (failure != null) {
            throw new IOException("a demo writer failed: " + failure, failure);
        }
    }

    /** What the judge found in a backup. */
    record Verdict(boolean exact, String detail, long[] prefixes) {
    }

    /** Judges the filesystem mounted from the backup against the bounds seen around the freeze. */
    Verdict judge(Dusk backup, long[] lower, long[] upper) throws IOException {
        byte[] bulk = new byte[BULK_BYTES];
        for (int n = 0; n < BULK_FILES; n++) {
            new SplittableRandom(seed * 31 + n).nextBytes(bulk);
            if (!java.util.Arrays.equals(bulk, backup.readFile("/bulk/b" + n))) {
                return new Verdict(false, "/bulk/b" + n + " differs from what was written", null);
            }
        }
        long[] prefixes = new long[writers];
        for (int w = 0; w < writers; w++) {
            long[] ops = new long[SLOTS];
            long newest = -1;
            for (int slot = 0; slot < SLOTS; slot++) {
                byte[] data = backup.readFile(slotPath(w, slot));
                ByteBuffer header = ByteBuffer.wrap(data);
                if (data.length != FILE_BYTES || header.getInt() != MAGIC || header.getInt() != w
                        || header.getInt() != slot) {
                    return new Verdict(false, slotPath(w, slot) + " is torn or misplaced", null);
                }
                ops[slot] = header.getLong();
                if (!java.util.Arrays.equals(data, content(w, slot, ops[slot]))) {
                    return new Verdict(false, slotPath(w, slot) + " holds a torn write of operation " + ops[slot], null);
                }
                newest = Math.max(newest, ops[slot]);
            }
            long prefix = newest + 1;
            for (int slot = 0; slot < SLOTS; slot++) {
                long expected = prefix - 1 >= slot ? slot + (prefix - 1 - slot) / SLOTS * SLOTS : -1;
                if (ops[slot] != expected) {
                    return new Verdict(false, "writer " + w + ": " + slotPath(w, slot) + " holds operation "
                            + ops[slot] + " but the state with " + prefix + " operations has " + expected, null);
                }
            }
            if (prefix < lower[w] || prefix > upper[w]) {
                return new Verdict(false, "writer " + w + ": the backup holds " + prefix + " operations, but the"
                        + " freeze happened after " + lower[w] + " and before " + upper[w], null);
            }
            prefixes[w] = prefix;
        }
        return new Verdict(true, "every file is exactly as at the freeze", prefixes);
    }

    private static String slotPath(int w, int slot) {
        return "/w" + w + "/f" + slot;
    }

    /** The bytes of operation {@code k} (-1: the initial content) of writer {@code w}. */
    private byte[] content(int w, int slot, long k) {
        byte[] data = new byte[FILE_BYTES];
        new SplittableRandom(seed ^ ((long) w << 48) ^ (k * 0x9E3779B97F4A7C15L)).nextBytes(data);
        ByteBuffer.wrap(data).putInt(MAGIC).putInt(w).putInt(slot).putLong(k);
        return data;
    }
}
