package io.kvorum.bench.jmh;

import io.kvorum.server.lease.Lease;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.MvccStore;
import java.io.IOException;
import java.util.List;
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
 * The primary's expiry check, which runs every 500 ms: {@code leases} live leases of which none
 * has expired (the common case), and a renewal, which moves one lease's expiry.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LeaseExpiryBenchmark {

    @Param({"10000", "100000"})
    public int leases;

    private RocksDb rocksDb;
    private MvccStore store;
    private Lessor lessor;
    private long now;
    private long next;

    @Setup(Level.Trial)
    public void grant() throws IOException {
        rocksDb = new RocksDb();
        store = MvccStore.open(rocksDb.backend());
        lessor = new Lessor(2, () -> now);
        lessor.promote(0);
        for (long id = 1; id <= leases; id++) {
            lessor.grant(store, id, 60 + id % 600);
        }
        store.commit(1, 1, false);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        rocksDb.close();
    }

    /** One expiry check that finds nothing expired. */
    @Benchmark
    public List<Lease> takeExpiredNone() {
        return lessor.takeExpired(1000);
    }

    /** One keepalive: the lease's clock restarts at its full TTL. */
    @Benchmark
    public Long renew() {
        next = next % leases + 1;
        return lessor.renew(next).join();
    }
}
