package dev.quiesce.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quiesce.core.device.MemoryBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The btree against a TreeMap: random inserts, replaces and deletes, flushed and reloaded. */
class BTreeTest {

    private static final class Sink implements BTree.NodeSink, BTree.Frees {
        final MemoryBlockDevice dev;
        long next = 2;
        long seq = 1;
        final Set<Long> live = new HashSet<>();
        final List<Long> freed = new ArrayList<>();

        Sink(MemoryBlockDevice dev) {
            this.dev = dev;
        }

        @Override public long allocateNode() { live.add(next); return next++; }
        @Override public void write(long block, byte[] data) throws IOException { dev.write(block, ByteBuffer.wrap(data)); }
        @Override public long seq() { return seq; }
        @Override public void free(long block, long count) { freed.add(block); }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void matchesATreeMap(int blockSize) throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("btree", blockSize, 1 << 20);
        NodeStore store = new NodeStore(dev, 7, dev.blockCount(), 1 << 16);
        Sink sink = new Sink(dev);
        TreeMap<Long, byte[]> model = new TreeMap<>();
        Random r = new Random(blockSize);
        TreeRef ref = TreeRef.EMPTY;
        BTree tree = new BTree(store, DiskFormat.KIND_DIR, ref);
        for (int round = 0; round < 24; round++) {
            for (int i = 0; i < 2000; i++) {
                long key = r.nextInt(round < 12 ? 1_000_000 : 30_000);
                if (r.nextInt(3) == 0 && !model.isEmpty()) {
                    Long k = model.ceilingKey(key);
                    if (k != null) {
                        assertEquals(true, tree.remove(k, sink));
                        model.remove(k);
                    }
                } else {
                    byte[] v = new byte[r.nextInt(40)];
                    r.nextBytes(v);
                    tree.put(key, v, sink);
                    model.put(key, v);
                }
            }
            ref = tree.flush(sink, sink);
            sink.seq++;
            tree = new BTree(store, DiskFormat.KIND_DIR, ref);
            for (int probe = 0; probe < 200; probe++) {
                long key = r.nextInt(1_000_000);
                byte[] expected = model.get(key);
                if (expected == null) {
                    assertNull(tree.get(key));
                } else {
                    assertArrayEquals(expected, tree.get(key));
                }
            }
            List<Long> keys = new ArrayList<>();
            tree.forEach(0, (k, v) -> keys.add(k) || true);
            assertEquals(new ArrayList<>(model.keySet()), keys, "round " + round);
        }
        for (Map.Entry<Long, byte[]> e : new TreeMap<>(model).entrySet()) {
            tree.remove(e.getKey(), sink);
        }
        assertEquals(TreeRef.EMPTY, tree.flush(sink, sink));
    }

    @Test
    void floorFindsTheGreatestKeyNotAbove() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("btree", 512, 1 << 16);
        NodeStore store = new NodeStore(dev, 7, dev.blockCount(), 1 << 16);
        Sink sink = new Sink(dev);
        BTree tree = new BTree(store, DiskFormat.KIND_EXTENTS, TreeRef.EMPTY);
        for (long k = 0; k < 5000; k += 10) {
            tree.put(k, DiskFormat.encodeExtent(100 + k, 10), sink);
        }
        BTree reloaded = new BTree(store, DiskFormat.KIND_EXTENTS, tree.flush(sink, sink));
        for (long probe = 0; probe < 5000; probe += 7) {
            long expect = probe / 10 * 10;
            long[] found = {-1};
            reloaded.floor(probe, (k, v) -> {
                found[0] = k;
                return true;
            });
            assertEquals(expect, found[0], "floor of " + probe);
        }
    }
}
