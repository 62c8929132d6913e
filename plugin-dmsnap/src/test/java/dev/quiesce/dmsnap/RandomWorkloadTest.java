package dev.quiesce.dmsnap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random cuts, writes, deletes, reopens and merges against a model that keeps every
 * snapshot's expected bytes; every snapshot is compared after every step.
 */
class RandomWorkloadTest {
    private static final int BLOCKS = 96;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void everySnapshotStaysExact(long seed) throws Exception {
        Random r = new Random(seed);
        int chunk = 512 << r.nextInt(3);
        try (Fixture f = new Fixture(chunk, BLOCKS, 4096)) {
            Map<String, byte[]> model = new LinkedHashMap<>();
            int next = 0;
            for (int step = 0; step < 120; step++) {
                int op = r.nextInt(20);
                if (op < 3 && model.size() < 6) {
                    String name = "s" + next++;
                    byte[] now = f.originBytes();
                    if (r.nextBoolean()) {
                        BlockUsage usage = randomUsage(r);
                        f.snap(name, usage);
                        model.put(name, masked(now, usage));
                    } else {
                        f.snap(name);
                        model.put(name, now);
                    }
                } else if (op == 3 && !model.isEmpty()) {
                    String victim = new ArrayList<>(model.keySet()).get(r.nextInt(model.size()));
                    f.provider.delete(victim);
                    model.remove(victim);
                } else if (op == 4) {
                    f.reopen();
                } else if (op == 5 && !model.isEmpty() && r.nextInt(4) == 0) {
                    String target = new ArrayList<>(model.keySet()).get(r.nextInt(model.size()));
                    byte[] expect = model.remove(target);
                    Snapshot s = f.provider.find(target).orElseThrow();
                    BlockUsage usage = s.blockUsage().orElse(null);
                    byte[] before = f.originBytes();
                    List<long[]> reports = new ArrayList<>();
                    f.provider.merge(target, (d, t) -> reports.add(new long[] {d, t}));
                    byte[] after = f.originBytes();
                    for (int b = 0; b < BLOCKS; b++) {
                        boolean used = usage == null || usage.inUse(b);
                        byte[] want = used ? expect : before;
                        for (int i = b * Fixture.BLOCK; i < (b + 1) * Fixture.BLOCK; i++) {
                            if (want[i] != after[i] && used) {
                                throw new AssertionError("seed " + seed + " step " + step + ": block " + b
                                        + " not rolled back by merge of " + target);
                            }
                        }
                    }
                    long[] last = reports.get(reports.size() - 1);
                    assertEquals(last[1], last[0], "merge reports completion");
                } else {
                    int block = r.nextInt(BLOCKS);
                    int len = 1 + r.nextInt(Math.min(12, BLOCKS - block));
                    f.fill(block, len, r.nextInt());
                    if (r.nextInt(8) == 0) {
                        f.origin.flush();
                    }
                }
                for (Map.Entry<String, byte[]> e : model.entrySet()) {
                    Snapshot s = f.provider.find(e.getKey()).orElseThrow();
                    assertArrayEquals(e.getValue(), Fixture.contents(s), "seed " + seed + " step " + step + " snapshot "
                            + e.getKey());
                }
            }
            for (String name : new ArrayList<>(model.keySet())) {
                f.provider.delete(name);
            }
            assertEquals(0, f.dataChunksUsed(), "seed " + seed + ": every chunk freed once all snapshots are gone");
        }
    }

    private static BlockUsage randomUsage(Random r) {
        long[] words = new long[(BLOCKS + 63) / 64];
        for (int b = 0; b < BLOCKS; b++) {
            if (r.nextInt(3) > 0) {
                words[b / 64] |= 1L << b;
            }
        }
        return BlockUsage.of(Fixture.BLOCK, BLOCKS, words);
    }

    private static byte[] masked(byte[] now, BlockUsage usage) {
        byte[] out = new byte[now.length];
        for (int b = 0; b < BLOCKS; b++) {
            if (usage.inUse(b)) {
                System.arraycopy(now, b * Fixture.BLOCK, out, b * Fixture.BLOCK, Fixture.BLOCK);
            }
        }
        return out;
    }
}
