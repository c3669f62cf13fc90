package io.kvorum.server.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Finding the range watchers of one event's key: {@code watchers} prefix watchers, each on one of
 * {@code prefixes} prefixes (as Kubernetes watches one prefix per resource type), matched by the
 * {@link RangeWatchers} index and, for comparison in the same run, by looking at every watcher (how
 * the hub matched before the index). In the server's package, as the watch hub's parts are not public.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WatchMatchBenchmark {

    @Param({"1000", "10000"})
    public int watchers;

    @Param({"100"})
    public int prefixes;

    private final List<Watcher> all = new ArrayList<>();
    private final RangeWatchers index = new RangeWatchers();
    private byte[][] keys;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void watch() {
        for (int i = 0; i < watchers; i++) {
            byte[] prefix = String.format("/registry/type%03d/", i % prefixes).getBytes();
            byte[] end = prefix.clone();
            end[end.length - 1]++;
            Watcher w = new Watcher(null, prefix, end, 1, false, false, false, false, false);
            w.id = i;
            all.add(w);
            index.add(w);
        }
        keys = new byte[1000][];
        random = new SplittableRandom(3);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = String.format("/registry/type%03d/object%05d", random.nextInt(prefixes * 2), i).getBytes();
        }
    }

    @Benchmark
    public void intervalIndex(Blackhole bh) {
        index.forEachCovering(keys[random.nextInt(keys.length)], bh::consume);
    }

    @Benchmark
    public void scanEveryWatcher(Blackhole bh) {
        byte[] key = keys[random.nextInt(keys.length)];
        for (Watcher w : all) {
            if (w.covers(key)) {
                bh.consume(w);
            }
        }
    }
}
