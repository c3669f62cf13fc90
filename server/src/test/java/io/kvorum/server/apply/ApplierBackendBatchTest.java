package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.consensus.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's {@code --backend-batch-limit} and {@code --backend-batch-interval}: how often a backend commit is synced. */
class ApplierBackendBatchTest {
    /** The in-memory backend, recording whether each commit was asked to be synced. */
    private static final class SyncRecordingBackend implements Backend {
        final InMemoryBackend backend = new InMemoryBackend();
        final List<Boolean> synced = new ArrayList<>();

        public WriteBatch newBatch() { return backend.newBatch(); }
        public ReadView readView() { return backend.readView(); }
        public void commit(WriteBatch batch, boolean durable) throws IOException {
            synced.add(durable);
            backend.commit(batch, durable);
        }
        public long size() { return backend.size(); }
        public long sizeInUse() { return backend.sizeInUse(); }
        public void defragment() { backend.defragment(); }
        public void snapshot(OutputStream out) throws IOException { backend.snapshot(out); }
        public void restore(InputStream in) throws IOException { backend.restore(in); }
        public void close() { backend.close(); }
    }

    private final SyncRecordingBackend backend = new SyncRecordingBackend();
    private final Applier member = new Applier(MvccStore.open(backend), Runnable::run, new Lessor(2, System::nanoTime));
    private long index;

    /** Applies one put as one batch, as a consensus with a log of its own delivers it (not durable). */
    private void applyPut() {
        index++;
        InternalRaftRequest.Builder put = InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k" + index)).setValue(ByteString.copyFromUtf8("v")));
        member.apply(List.of(new Entry(index, 1, put.setID(index).build().toByteArray())), false);
    }

    private List<Boolean> commitsFrom(int first) {
        return backend.synced.subList(first, backend.synced.size());
    }

    @Test
    void withoutABoundNoCommitIsSyncedThatTheLogCanReplay() {
        int before = backend.synced.size();
        for (int i = 0; i < 5; i++) {
            applyPut();
        }

        assertEquals(List.of(false, false, false, false, false), commitsFrom(before));
    }

    @Test
    void theLimitSyncsEveryLimitThEntry() {
        member.backendBatch(3, Duration.ZERO);
        int before = backend.synced.size();
        for (int i = 0; i < 7; i++) {
            applyPut();
        }

        assertEquals(List.of(false, false, true, false, false, true, false), commitsFrom(before));
    }

    @Test
    void theIntervalSyncsTheFirstCommitAfterItPassed() {
        AtomicLong now = new AtomicLong();
        member.backendBatch(0, Duration.ofMillis(100), now::get);
        int before = backend.synced.size();
        applyPut();
        now.addAndGet(Duration.ofMillis(99).toNanos());
        applyPut();
        now.addAndGet(Duration.ofMillis(1).toNanos());
        applyPut();
        applyPut();

        assertEquals(List.of(false, false, true, false), commitsFrom(before));
    }
}
