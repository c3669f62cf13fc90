package io.kvorum.server.mvcc;

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

/**
 * The in-memory key index ({@link TreeIndex} of {@link KeyIndex}es) alone: what a put costs it
 * (look the key up, append a revision) and what a read costs it (find the revision live at the
 * current revision). In the server's package, as the index is not public.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyIndexBenchmark {

    @Param({"100000"})
    public int keys;

    private TreeIndex index;
    private byte[][] keyBytes;
    private SplittableRandom random;
    private long revision;

    @Setup(Level.Trial)
    public void fill() {
        index = new TreeIndex();
        keyBytes = new byte[keys][];
        random = new SplittableRandom(7);
        for (int i = 0; i < keys; i++) {
            keyBytes[i] = String.format("/registry/key/%08d", i).getBytes();
            index.getOrCreate(keyBytes[i]).append(new Revision(++revision, 0), false, 1, 1);
        }
    }

    /** Look a key up and append a revision, as a put does; compacting now and then keeps histories short. */
    @Benchmark
    public KeyIndex put() {
        KeyIndex keyIndex = index.getOrCreate(keyBytes[random.nextInt(keys)]);
        KeyIndex appended = index.append(keyIndex, new Revision(++revision, 0), false, 1, 1);
        if (revision % (4L * keys) == 0) {
            index.compact(revision - keys, new RevisionList(), () -> true);
        }
        return appended;
    }

    /** Find the revision of a key's record at the current revision, as a read does. */
    @Benchmark
    public Revision get() {
        KeyIndex keyIndex = index.get(keyBytes[random.nextInt(keys)]);
        return keyIndex.liveAt(revision);
    }
}
