package io.kvorum.server.snapshot;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.apply.ApplyHaltedException;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a kvorum data dir from a stopped etcd member's data dir: its database
 * ({@code member/snap/db}, a bbolt file without the trailing hash) is copied as a snapshot restore
 * copies one, then the committed entries of its WAL past the database's consistent index are
 * applied by kvorum's own state machine, as etcd applies them when it starts (puts, deletes,
 * txns, compactions, leases, alarms, auth). Entries that change only what kvorum keeps elsewhere
 * are passed over: membership changes (the new member's cluster comes from its start flags, as
 * after a restore), etcd's v2 store and cluster-version requests.
 *
 * <p>The result is a member of a new cluster, as from {@link SnapshotRestore}: its log starts
 * empty. Atomic: built in a temporary folder and renamed into place; a failure leaves nothing.
 */
public final class EtcdMigration {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdMigration.class);
    private static final int BATCH_ENTRIES = 1000;
    private static final long BATCH_BYTES = 4L << 20;
    private static final byte[] CONSISTENT_INDEX = "consistent_index".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TERM = "term".getBytes(StandardCharsets.US_ASCII);
    /** etcd's default minimum lease TTL (heartbeat 100 ms, election timeout 1 s). */
    private static final long MIN_TTL_SECONDS = Lessor.minTtlSeconds(100, 1000);

    /** What a migration found and did, for the operator. */
    public record Result(long consistentIndex, long commitIndex, long applied, long skipped, long uncommitted,
                         long revision, String tornTail) {
    }

    private EtcdMigration() {
    }

    /**
     * @param etcdDataDir the etcd member's {@code --data-dir}; the member must be stopped
     * @param etcdWalDir  its {@code --wal-dir}, or null for {@code <etcdDataDir>/member/wal}
     * @param dataDir     the kvorum data dir to make; must not exist
     */
    public static Result migrate(Path etcdDataDir, Path etcdWalDir, Path dataDir, BackendProvider backend,
                                 PluginOptions options, List<Bucket> buckets) throws IOException {
        Path db = etcdDataDir.resolve("member").resolve("snap").resolve("db");
        Path wal = etcdWalDir != null ? etcdWalDir : etcdDataDir.resolve("member").resolve("wal");
        if (!Files.isRegularFile(db)) {
            throw new IOException("no etcd database at " + db + ": not an etcd data dir");
        }
        Result[] result = new Result[1];
        SnapshotRestore.intoNewDataDir(dataDir, temp -> {
            try (BboltReader reader = BboltReader.open(db, Files.size(db));
                 Backend target = SnapshotRestore.openBackend(temp, backend, options, buckets)) {
                SnapshotRestore.checkEtcd(reader, "db");
                long consistentIndex = consistentIndex(reader);
                SnapshotRestore.copy(reader, target, buckets);
                result[0] = replay(wal, consistentIndex, target);
                // the entries' positions belong to etcd's log: the new member's log starts empty
                try (WriteBatch batch = target.newBatch()) {
                    batch.delete(Bucket.META, CONSISTENT_INDEX);
                    batch.delete(Bucket.META, TERM);
                    target.commit(batch, true);
                }
            }
        });
        return result[0];
    }

    private static long consistentIndex(BboltReader reader) throws IOException {
        long[] index = {0};
        reader.forEach(SnapshotRestore.bytes("meta"), (key, value) -> {
            if (Arrays.equals(key, CONSISTENT_INDEX)) {
                if (value.length != 8) {
                    throw new BboltFormatException("db: a consistent index of " + value.length + " bytes");
                }
                long v = 0;
                for (byte b : value) {
                    v = (v << 8) | (b & 0xff);
                }
                index[0] = v;
            }
        });
        return index[0];
    }

    private static Result replay(Path wal, long consistentIndex, Backend target) throws IOException {
        MvccStore store = MvccStore.open(target);
        Lessor lessor = new Lessor(MIN_TTL_SECONDS, System::nanoTime);
        lessor.recover(store);
        Applier applier = new Applier(store, Runnable::run, lessor);
        long[] counts = new long[2];
        try {
            List<Entry> batch = new ArrayList<>();
            long[] bytes = {0};
            EtcdWal.Summary summary = EtcdWal.replay(wal, consistentIndex, e -> {
                byte[] data = applicable(e);
                if (data.length == 0) {
                    counts[1]++;
                } else {
                    counts[0]++;
                }
                batch.add(new Entry(e.index(), e.term(), data));
                bytes[0] += data.length;
                if (batch.size() >= BATCH_ENTRIES || bytes[0] >= BATCH_BYTES) {
                    apply(applier, batch, false);
                    batch.clear();
                    bytes[0] = 0;
                }
            });
            apply(applier, batch, true);
            try {
                applier.store().physicalCompactionDone().join();
            } catch (CompletionException e) {
                throw new IOException("compaction of the migrated store failed", e.getCause());
            }
            if (!summary.tornTail().isEmpty()) {
                LOG.warn("etcd WAL ends in a torn write, left out as etcd does: {}", summary.tornTail());
            }
            return new Result(consistentIndex, summary.commit(), counts[0], counts[1], summary.dropped(),
                    applier.store().currentRevision(), summary.tornTail());
        } finally {
            applier.store().close();
            applier.auth().tokens().close();
        }
    }

    private static void apply(Applier applier, List<Entry> batch, boolean durable) throws IOException {
        try {
            applier.apply(List.copyOf(batch), durable);
        } catch (ApplyHaltedException e) {
            throw new IOException("etcd WAL: " + e.getMessage(), e);
        }
    }

    /**
     * The entry's data for kvorum's state machine, or nothing for an entry it passes over: a
     * membership change, a v2 store request (alone, or as the v2 field of the envelope), or a
     * request about what the consensus keeps (cluster version, member attributes, downgrade).
     */
    private static byte[] applicable(EtcdWal.Entry e) {
        if (e.type() != EtcdWal.ENTRY_NORMAL || e.data().length == 0) {
            return new byte[0];
        }
        InternalRaftRequest request;
        try {
            request = InternalRaftRequest.parseFrom(e.data());
        } catch (InvalidProtocolBufferException notEnvelope) {
            return new byte[0]; // an etcd v2 Request, as etcd before 3.x wrote them
        }
        if (request.getUnknownFields().hasField(2) || request.hasClusterVersionSet()
                || request.hasClusterMemberAttrSet() || request.hasDowngradeInfoSet() || request.hasRange()) {
            return new byte[0];
        }
        return e.data();
    }
}
