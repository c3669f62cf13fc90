package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseCheckpoint;
import io.kvorum.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvorum.api.etcdserverpb.LeaseCheckpointResponse;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.server.lease.LeaseCheckpoints;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A committed lease checkpoint sets the remaining TTL a new primary starts from, on every member. */
class ApplierLeaseCheckpointTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private InMemoryBackend backend = new InMemoryBackend();
    private Lessor lessor;
    private Applier member;
    private long index;

    private void start(InMemoryBackend backend, boolean persist) {
        this.backend = backend;
        MvccStore store = MvccStore.open(backend);
        lessor = new Lessor(2, clock::get, new LeaseCheckpoints(true, persist, Duration.ofSeconds(10)));
        lessor.recover(store);
        member = new Applier(store, Runnable::run, lessor);
        index = store.consistentIndex();
    }

    private Object apply(InternalRaftRequest.Builder request) throws Exception {
        long id = ++index;
        CompletableFuture<Object> answer = member.await(id);
        member.apply(List.of(new Entry(id, 2, request.setID(id).build().toByteArray())), true);
        return answer.get(1, TimeUnit.SECONDS);
    }

    private static InternalRaftRequest.Builder checkpoint(long id, long remaining) {
        return InternalRaftRequest.newBuilder().setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()
                .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining)));
    }

    @Test
    void anAppliedCheckpointIsWhereTheNextPrimaryStartsAndAnUnknownLeaseIsSkipped() throws Exception {
        start(backend, false);
        assertInstanceOf(LeaseGrantResponse.class,
                apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60))));
        long revision = member.store().currentRevision();
        assertInstanceOf(LeaseCheckpointResponse.class, apply(checkpoint(5, 17)));
        assertInstanceOf(LeaseCheckpointResponse.class, apply(checkpoint(6, 17)), "an unknown lease fails nothing");
        assertEquals(revision, member.store().currentRevision(), "a checkpoint is no revision");
        assertEquals(17, lessor.get(5).remainingTtl());
        assertEquals(60, lessor.get(5).ttl());

        lessor.promote(SECOND);
        assertEquals(18, lessor.get(5).remainingSeconds(clock.get()));
    }

    @Test
    void aPersistedCheckpointSurvivesARestart() throws Exception {
        start(backend, true);
        apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60)));
        apply(checkpoint(5, 17));

        start(backend.restart(), true);
        assertEquals(17, lessor.get(5).remainingTtl());
        apply(checkpoint(5, 0));
        start(backend.restart(), true);
        assertEquals(60, lessor.get(5).remainingTtl(), "a cleared checkpoint is stored cleared");
    }

    @Test
    void aCheckpointNotPersistedIsForgottenAtARestart() throws Exception {
        start(backend, false);
        apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60)));
        apply(checkpoint(5, 17));
        start(backend.restart(), false);
        assertEquals(60, lessor.get(5).remainingTtl());
    }
}
