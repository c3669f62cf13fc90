package io.kvorum.bench.jmh;

import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.RangeResult;
import io.kvorum.server.mvcc.WriteTxn;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * The MVCC store's write and read paths over RocksDB, as the apply loop and the readers use them:
 * one txn per put, a (non-durable) backend commit every {@code batch} puts as the apply loop
 * commits a Ready's entries, and single-key reads at the current revision. Keys are drawn uniformly
 * from {@code keys} preloaded ones, so most puts overwrite a key last written long ago.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MvccBenchmark {

    @Param({"100000"})
    public int keys;

    @Param({"256"})
    public int valueSize;

    @Param({"100"})
    public int batch;

    private RocksDb rocksDb;
    private MvccStore store;
    private byte[][] keyBytes;
    private byte[] value;
    private SplittableRandom random;
    private long index;
    private int uncommitted;

    @Setup(Level.Trial)
    public void open() throws IOException {
        rocksDb = new RocksDb();
        store = MvccStore.open(rocksDb.backend());
        keyBytes = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            keyBytes[i] = String.format("/registry/key/%08d", i).getBytes();
        }
        value = new byte[valueSize];
        random = new SplittableRandom(42);
        for (int i = 0; i < keys; i++) {
            put(i);
        }
        commit();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        rocksDb.close();
    }

    /** One put in a txn of its own, with the batch's commit every {@code batch} puts. */
    @Benchmark
    public long put() throws IOException {
        long revision = put(random.nextInt(keys));
        if (uncommitted >= batch) {
            commit();
        }
        return revision;
    }

    /** A single-key read of the latest revision, value included. */
    @Benchmark
    public RangeResult rangeOne() {
        return store.range(keyBytes[random.nextInt(keys)], null, 0, 0);
    }

    /** A read of 100 consecutive keys of the latest revision. */
    @Benchmark
    public RangeResult range100() {
        int from = random.nextInt(keys - 100);
        return store.range(keyBytes[from], keyBytes[from + 100], 0, 0);
    }

    private long put(int i) {
        try (WriteTxn txn = store.beginWrite()) {
            txn.put(keyBytes[i].clone(), value.clone(), 0);
            uncommitted++;
            return txn.end();
        }
    }

    private void commit() throws IOException {
        store.commit(++index, 1, false);
        uncommitted = 0;
    }
}
