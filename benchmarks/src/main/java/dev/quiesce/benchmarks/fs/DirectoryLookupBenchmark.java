package dev.quiesce.benchmarks.fs;

import dev.quiesce.core.device.MemoryBlockDevice;
import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskOptions;
import dev.quiesce.fs.FileStat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lookup of a name in one large committed directory of Dusk (the hashed name btree):
 * the time per lookup should grow with log(n), so the scores for 1,000 and 100,000
 * entries stay within a small factor of each other.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DirectoryLookupBenchmark {
    @Param({"1000", "100000"})
    public int entries;

    private Dusk fs;

    @Setup(Level.Trial)
    public void populate() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice("lookup", 4096, 131072);
        Dusk.format(dev);
        fs = Dusk.mount(dev, DuskOptions.defaults());
        fs.mkdir("/d");
        for (int i = 0; i < entries; i++) {
            fs.mkdir("/d/" + i);
        }
        fs.sync();
    }

    @TearDown(Level.Trial)
    public void unmount() throws Exception {
        fs.close();
    }

    @Benchmark
    public FileStat lookup() throws Exception {
        return fs.stat("/d/" + ThreadLocalRandom.current().nextInt(entries));
    }
}
