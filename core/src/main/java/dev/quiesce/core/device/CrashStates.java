package dev.quiesce.core.device;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;

/**
 * The crash states of one {@link CrashPlan}, produced lazily while iterating (see
 * {@link CrashSimulatingBlockDevice#crashStates}). {@link #produced()} and
 * {@link #summary()} report how many states were generated, as crash harnesses should.
 */
public final class CrashStates implements Iterable<CrashState> {
    /** Epochs with at most this many units are enumerated exhaustively (2^n states). */
    public static final int EXHAUSTIVE_LIMIT = 12;

    private final CrashSimulatingBlockDevice device;
    private final CrashPlan plan;
    private long produced;
    private int epochsVisited;

    CrashStates(CrashSimulatingBlockDevice device, CrashPlan plan) {
        this.device = device;
        this.plan = plan;
    }

    /** States handed out so far by this object's iterators. */
    public synchronized long produced() {
        return produced;
    }

    /** "N crash states over E epochs (seed S)". */
    public synchronized String summary() {
        return produced + " crash states over " + epochsVisited + " epochs (seed " + plan.seed()
                + (plan.tornUnit() == 0 ? "" : ", torn unit " + plan.tornUnit()) + ")";
    }

    private synchronized void count(boolean newEpoch) {
        produced++;
        if (newEpoch) {
            epochsVisited++;
        }
    }

    @Override
    public Iterator<CrashState> iterator() {
        List<Integer> epochs = device.epochsFor(plan);
        int lastEpoch = device.flushCount();
        return new Iterator<>() {
            private int next;
            private Iterator<BitSet> subsets = java.util.Collections.emptyIterator();
            private int epoch = -1;
            private int units;
            private boolean fresh;
            private BitSet pending;

            @Override
            public boolean hasNext() {
                while (pending == null) {
                    if (subsets.hasNext()) {
                        BitSet s = subsets.next();
                        // A completed epoch fully persisted equals the next epoch with nothing.
                        if (epoch < lastEpoch && s.cardinality() == units && units > 0) {
                            continue;
                        }
                        pending = s;
                    } else if (next < epochs.size()) {
                        epoch = epochs.get(next++);
                        units = device.units(epoch, plan.tornUnit());
                        subsets = subsets(units, new Random(plan.seed() * 31 + epoch));
                        fresh = true;
                    } else {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public CrashState next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                BitSet s = pending;
                pending = null;
                count(fresh);
                fresh = false;
                return new CrashState(device, epoch, s, units, plan.tornUnit(), plan.seed());
            }
        };
    }

    private Iterator<BitSet> subsets(int n, Random random) {
        return n <= EXHAUSTIVE_LIMIT ? new Exhaustive(n) : new Sampled(n, plan.randomSubsets(), random);
    }

    /** All 2^n subsets, counting in binary. */
    private static final class Exhaustive implements Iterator<BitSet> {
        private final long end;
        private long value;

        Exhaustive(int n) {
            end = 1L << n;
        }

        @Override public boolean hasNext() { return value < end; }

        @Override
        public BitSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return BitSet.valueOf(new long[] {value++});
        }
    }

    /**
     * Subsets of size <= 2 and their complements (all but <= 2), then distinct random
     * ones of other sizes. With n > 12 the two families never meet, so only the random
     * draws need a duplicate check.
     */
    private static final class Sampled implements Iterator<BitSet> {
        private final int n;
        private final Random random;
        private final Deque<BitSet> queue = new ArrayDeque<>();
        private final Set<BitSet> seen = new HashSet<>();
        /** Next pair to emit: a == -1 is the empty set, b == -1 a single. */
        private int a = -1;
        private int b = -1;
        private boolean pairsDone;
        private int randomLeft;
        private int randomTries;

        Sampled(int n, int randomSubsets, Random random) {
            this.n = n;
            this.random = random;
            this.randomLeft = randomSubsets;
            this.randomTries = randomSubsets * 4 + 16;
        }

        @Override
        public boolean hasNext() {
            if (!queue.isEmpty()) {
                return true;
            }
            if (!pairsDone) {
                BitSet small = new BitSet(n);
                if (a >= 0) {
                    small.set(a);
                }
                if (b >= 0) {
                    small.set(b);
                }
                BitSet complement = (BitSet) small.clone();
                complement.flip(0, n);
                queue.add(small);
                queue.add(complement);
                stepPair();
                return true;
            }
            while (randomLeft > 0 && randomTries-- > 0) {
                BitSet s = new BitSet(n);
                for (int u = 0; u < n; u++) {
                    if (random.nextBoolean()) {
                        s.set(u);
                    }
                }
                int c = s.cardinality();
                if (c > 2 && c < n - 2 && seen.add(s)) {
                    randomLeft--;
                    queue.add(s);
                    return true;
                }
            }
            return false;
        }

        /** (-1,-1) -> (0,-1) .. (n-1,-1) -> (0,1) (0,2) .. (n-2,n-1) -> done. */
        private void stepPair() {
            if (b < 0) {
                a++;
                if (a < n) {
                    return;
                }
                a = 0;
                b = 1;
            } else if (++b >= n) {
                a++;
                b = a + 1;
            }
            if (b >= n) {
                pairsDone = true;
            }
        }

        @Override
        public BitSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return queue.poll();
        }
    }
}
