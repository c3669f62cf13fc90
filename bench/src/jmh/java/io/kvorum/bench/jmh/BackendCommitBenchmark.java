package io.kvorum.bench.jmh;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
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
 * One backend commit of the size the apply loop writes per Ready: {@code batch} records of the
 * {@code key} bucket (17-byte revision keys, 300-byte records) plus the two meta records, durable
 * (fsync) or not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BackendCommitBenchmark {

    @Param({"1", "100"})
    public int batch;

    @Param({"false", "true"})
    public boolean durable;

    private RocksDb rocksDb;
    private final byte[] record = new byte[300];
    private final byte[] meta = new byte[8];
    private long revision;

    @Setup(Level.Trial)
    public void open() {
        rocksDb = new RocksDb();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        rocksDb.close();
    }

    @Benchmark
    public long commit() throws IOException {
        try (WriteBatch b = rocksDb.backend().newBatch()) {
            for (int i = 0; i < batch; i++) {
                b.put(Bucket.KEY, revisionKey(++revision), record);
            }
            b.put(Bucket.META, "consistent_index".getBytes(), meta);
            b.put(Bucket.META, "term".getBytes(), meta);
            rocksDb.backend().commit(b, durable);
        }
        return revision;
    }

    private static byte[] revisionKey(long main) {
        byte[] key = new byte[17];
        for (int i = 7; i >= 0; i--) {
            key[i] = (byte) main;
            main >>>= 8;
        }
        key[8] = '_';
        return key;
    }
}
