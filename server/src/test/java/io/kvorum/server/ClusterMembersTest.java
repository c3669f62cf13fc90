package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.MemberAddRequest;
import io.kvorum.api.etcdserverpb.MemberAddResponse;
import io.kvorum.api.etcdserverpb.MemberListRequest;
import io.kvorum.api.etcdserverpb.MemberListResponse;
import io.kvorum.api.etcdserverpb.MemberPromoteRequest;
import io.kvorum.api.etcdserverpb.MemberRemoveRequest;
import io.kvorum.api.etcdserverpb.MoveLeaderRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.SnapshotRequest;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.etcdserverpb.StatusResponse;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members over one shared log: every member answers as an etcd member of a cluster does,
 * whether it leads, follows, lags, is a learner, or knows no leader.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterMembersTest {
    private SharedLogCluster cluster;
    private final long[] ids = new long[3];

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        cluster = new SharedLogCluster(dir, 3);
        for (int i = 0; i < 3; i++) {
            ids[i] = cluster.id(i);
        }
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @BeforeEach
    void leaderIsMemberZero() {
        cluster.log.failWith(null);
        cluster.log.stallCommits(false);
        cluster.log.stallReads(false);
        for (long id : ids) {
            cluster.log.release(id);
            cluster.log.setLearner(id, false);
        }
        cluster.log.elect(ids[0]);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private KVGrpc.KVBlockingStub kv(int member) {
        return cluster.client(member, KVGrpc.KVBlockingStub.class);
    }

    private StatusResponse status(int member) {
        return cluster.client(member, MaintenanceGrpc.MaintenanceBlockingStub.class).status(StatusRequest.getDefaultInstance());
    }

    private static void assertError(Status.Code code, String message, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(message, e.getStatus().getDescription());
    }

    private PutResponse put(int member, String key, String value) {
        return kv(member).put(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build());
    }

    @Test
    void aWriteOnAnyMemberIsReadOnEveryMember() {
        PutResponse put = put(1, "shared", "from-follower");
        for (int m = 0; m < 3; m++) {
            RangeResponse r = kv(m).range(RangeRequest.newBuilder().setKey(b("shared")).build());
            assertEquals(b("from-follower"), r.getKvs(0).getValue(), "member " + m);
            assertEquals(put.getHeader().getRevision(), r.getHeader().getRevision(), "member " + m);
        }
        put(2, "shared", "from-other-follower");
        assertEquals(b("from-other-follower"),
                kv(0).range(RangeRequest.newBuilder().setKey(b("shared")).build()).getKvs(0).getValue());
    }

    @Test
    void headersCarryEachMembersIdTheClusterIdAndTheCurrentTerm() {
        Set<Long> memberIds = new HashSet<>();
        long clusterId = 0;
        for (int m = 0; m < 3; m++) {
            ResponseHeader h = put(m, "h", "v").getHeader();
            assertEquals(ids[m], h.getMemberId());
            assertEquals(cluster.log.term(), h.getRaftTerm());
            memberIds.add(h.getMemberId());
            if (m == 0) {
                clusterId = h.getClusterId();
            }
            assertEquals(clusterId, h.getClusterId());
        }
        assertEquals(3, memberIds.size());
        assertNotEquals(0, clusterId);
        long before = cluster.log.term();
        cluster.log.elect(ids[2]);
        for (int m = 0; m < 3; m++) {
            assertEquals(before + 1, kv(m).range(RangeRequest.newBuilder().setKey(b("h")).build()).getHeader().getRaftTerm());
            assertEquals(before + 1, status(m).getRaftTerm());
        }
    }

    @Test
    void statusReportsTheLeaderAndTheLogOnEveryMember() {
        put(1, "s", "v");
        for (int m = 0; m < 3; m++) {
            StatusResponse s = status(m);
            assertEquals(ids[0], s.getLeader(), "member " + m);
            assertEquals(ids[m], s.getHeader().getMemberId());
            assertEquals(cluster.log.lastIndex(), s.getRaftIndex());
            assertTrue(s.getRaftAppliedIndex() <= s.getRaftIndex());
            assertEquals(cluster.log.term(), s.getRaftTerm());
            assertFalse(s.getIsLearner());
            assertTrue(s.getDbSize() > 0);
            assertEquals(List.of(), s.getErrorsList());
            assertEquals(EtcdVersion.SERVER, s.getVersion());
        }
    }

    @Test
    void statusWithoutLeaderSaysSo() {
        cluster.log.loseLeader();
        for (int m = 0; m < 3; m++) {
            StatusResponse s = status(m);
            assertEquals(0, s.getLeader());
            assertEquals(List.of("etcdserver: no leader"), s.getErrorsList());
            for (String path : List.of("/health", "/health?serializable=true")) {
                AggregatedHttpResponse health = WebClient.of(cluster.endpoint(m)).get(path).aggregate().join();
                assertEquals(503, health.status().code());
                assertEquals("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n", health.contentUtf8());
            }
        }
        cluster.log.elect(ids[1]);
        assertEquals(200, WebClient.of(cluster.endpoint(2)).get("/health").aggregate().join().status().code());
    }

    @Test
    void aLaggingMemberServesStaleSerializableReadsAndHoldsLinearizableOnesUntilItCatchesUp() throws Exception {
        put(0, "lag", "old");
        // wait until member 2 has applied the first write
        assertEquals(b("old"), kv(2).range(RangeRequest.newBuilder().setKey(b("lag")).build()).getKvs(0).getValue());
        cluster.log.hold(ids[2]);
        put(0, "lag", "new");
        assertEquals(b("old"), kv(2).range(RangeRequest.newBuilder().setKey(b("lag")).setSerializable(true).build())
                .getKvs(0).getValue());
        StatusResponse lagging = status(2);
        assertTrue(lagging.getRaftAppliedIndex() < lagging.getRaftIndex());
        CompletableFuture<RangeResponse> linearizable = CompletableFuture.supplyAsync(
                () -> kv(2).range(RangeRequest.newBuilder().setKey(b("lag")).build()));
        assertThrows(TimeoutException.class, () -> linearizable.get(300, TimeUnit.MILLISECONDS));
        cluster.log.release(ids[2]);
        assertEquals(b("new"), linearizable.get(10, TimeUnit.SECONDS).getKvs(0).getValue());
    }

    @Test
    void aWatchOnAFollowerSeesWritesMadeOnTheLeader() throws Exception {
        BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        StreamObserver<WatchRequest> requests = cluster.streamClient(2, WatchGrpc.WatchStub.class).watch(new StreamObserver<>() {
            public void onNext(WatchResponse value) {
                responses.add(value);
            }

            public void onError(Throwable t) {
            }

            public void onCompleted() {
            }
        });
        try {
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("watched"))).build());
            assertTrue(responses.poll(10, TimeUnit.SECONDS).getCreated());
            put(0, "watched", "by-follower");
            WatchResponse event = responses.poll(10, TimeUnit.SECONDS);
            assertEquals(b("by-follower"), event.getEvents(0).getKv().getValue());
            assertEquals(ids[2], event.getHeader().getMemberId());
        } finally {
            requests.onCompleted();
        }
    }

    @Test
    void moveLeaderIsRefusedOffTheLeaderAndToAnythingButAVoter() {
        assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader", () -> cluster
                .client(1, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[2]).build()));
        var leader = cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class);
        assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee",
                () -> leader.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(12345).build()));
        cluster.log.setLearner(ids[2], true);
        assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee",
                () -> leader.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[2]).build()));
        assertEquals(ids[0], status(1).getLeader());
    }

    @Test
    void moveLeaderToTheLeaderItselfIsDoneAtOnce() {
        long term = cluster.log.term();
        cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[0]).build());
        assertEquals(ids[0], status(2).getLeader());
        assertEquals(term, status(2).getRaftTerm());
    }

    @Test
    void moveLeaderHandsLeadershipToTheTarget() {
        cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[1]).build());
        for (int m = 0; m < 3; m++) {
            assertEquals(ids[1], status(m).getLeader());
        }
        put(0, "after-move", "v");
        assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader", () -> cluster
                .client(0, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[2]).build()));
    }

    @Test
    void aTransferTheConsensusGivesUpOnTookTooLong() {
        cluster.log.failWith(Reason.TIMEOUT);
        assertError(Status.Code.UNKNOWN, "etcdserver: request timed out, leader transfer took too long", () -> cluster
                .client(0, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(ids[1]).build()));
    }

    @Test
    void requestsThatRequireALeaderFailWithoutOne() {
        put(1, "k", "v");
        cluster.log.loseLeader();
        KVGrpc.KVBlockingStub requiring = GrpcClients.builder(cluster.endpoint(1)).addHeader("hasleader", "true")
                .build(KVGrpc.KVBlockingStub.class);
        assertError(Status.Code.UNAVAILABLE, "etcdserver: no leader",
                () -> requiring.range(RangeRequest.newBuilder().setKey(b("k")).setSerializable(true).build()));
        // without the metadata a serializable read is served from local state
        assertEquals(1, kv(1).range(RangeRequest.newBuilder().setKey(b("k")).setSerializable(true).build()).getCount());
        cluster.log.elect(ids[1]);
        assertEquals(1, requiring.range(RangeRequest.newBuilder().setKey(b("k")).build()).getCount());
    }

    /** A client's watch stream to one member. */
    private final class WatchClient implements StreamObserver<WatchResponse> {
        final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        final StreamObserver<WatchRequest> requests;

        WatchClient(int member, boolean requireLeader) {
            var builder = GrpcClients.builder(cluster.endpoint(member)).responseTimeoutMillis(0);
            if (requireLeader) {
                builder.addHeader("hasleader", "true");
            }
            requests = builder.build(WatchGrpc.WatchStub.class).watch(this);
        }

        WatchResponse watch(String key) throws InterruptedException {
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b(key))).build());
            return responses.poll(10, TimeUnit.SECONDS);
        }

        public void onNext(WatchResponse value) {
            responses.add(value);
        }

        public void onError(Throwable t) {
            ended.complete(t);
        }

        public void onCompleted() {
            ended.complete(null);
        }
    }

    @Test
    void streamsThatRequireALeaderAreClosedWhenTheMemberLosesIt() throws Exception {
        int streamsBefore = cluster.watchStats(1).streams();
        WatchClient requiring = new WatchClient(1, true);
        WatchClient plain = new WatchClient(1, false);
        assertTrue(requiring.watch("bound").getCreated());
        assertTrue(plain.watch("bound").getCreated());
        assertEquals(streamsBefore + 2, cluster.watchStats(1).streams());
        cluster.log.loseLeader();
        Throwable t = requiring.ended.get(30, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode());
        assertEquals("etcdserver: no leader", Status.fromThrowable(t).getDescription());
        // the member let go of the closed stream's watchers; the other stream goes on
        for (int i = 0; i < 100 && cluster.watchStats(1).streams() != streamsBefore + 1; i++) {
            Thread.sleep(100);
        }
        assertEquals(streamsBefore + 1, cluster.watchStats(1).streams());
        assertFalse(plain.ended.isDone());
        // no new stream requiring a leader opens meanwhile
        WatchClient refused = new WatchClient(1, true);
        refused.requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("x"))).build());
        assertEquals("etcdserver: no leader", Status.fromThrowable(refused.ended.get(10, TimeUnit.SECONDS)).getDescription());
        cluster.log.elect(ids[0]);
        put(0, "bound", "v");
        WatchResponse event = plain.responses.poll(10, TimeUnit.SECONDS);
        assertEquals(b("v"), event.getEvents(0).getKv().getValue());
        plain.requests.onCompleted();
    }

    @Test
    void whatNeedsALeaderWaitsForOneForTheRequestTimeoutThenFailsAsEtcdDoes() throws Exception {
        cluster.log.loseLeader();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
            // etcd 3.4 passes Go's context error through for proposals, and times out reads
            Future<?> write = clients.submit(() -> assertError(Status.Code.UNKNOWN, "context deadline exceeded",
                    () -> put(1, "leaderless", "v")));
            Future<?> read = clients.submit(() -> assertError(Status.Code.UNAVAILABLE, "etcdserver: request timed out",
                    () -> kv(2).range(RangeRequest.newBuilder().setKey(b("leaderless")).build())));
            Future<?> add = clients.submit(() -> assertError(Status.Code.UNKNOWN, "context deadline exceeded",
                    () -> cluster.client(1, ClusterGrpc.ClusterBlockingStub.class).memberAdd(
                            MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:22382").build())));
            write.get(30, TimeUnit.SECONDS);
            read.get(30, TimeUnit.SECONDS);
            add.get(30, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }
        // the membership change was never made
        assertEquals(3, cluster.client(0, ClusterGrpc.ClusterBlockingStub.class)
                .memberList(MemberListRequest.getDefaultInstance()).getMembersCount());
    }

    @Test
    void aWriteWaitingForALeaderGoesThroughOnceOneIsElected() throws Exception {
        cluster.log.loseLeader();
        CompletableFuture<PutResponse> write = CompletableFuture.supplyAsync(() -> put(2, "patient", "v"));
        assertThrows(TimeoutException.class, () -> write.get(300, TimeUnit.MILLISECONDS));
        cluster.log.elect(ids[1]);
        assertTrue(write.get(10, TimeUnit.SECONDS).getHeader().getRevision() > 0);
        assertEquals(1, kv(0).range(RangeRequest.newBuilder().setKey(b("patient")).build()).getCount());
    }

    @Test
    void aPromotionCountsAsASuccessOnTheMemberThatWasAsked() {
        assertEquals(0, cluster.metric(1, "etcd_server_learner_promote_successes").orElseThrow(), "registered at start");
        put(0, "promote", "v");
        cluster.log.setLearner(ids[2], true);
        var follower = cluster.client(1, ClusterGrpc.ClusterBlockingStub.class);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                follower.memberPromote(MemberPromoteRequest.newBuilder().setID(ids[2]).build());
                break;
            } catch (StatusRuntimeException e) {
                // the learner has not read the whole log yet
                assertTrue(System.nanoTime() < deadline, e.toString());
            }
        }
        assertEquals(1, cluster.metric(1, "etcd_server_learner_promote_successes").orElseThrow());
        assertEquals(0, cluster.metric(0, "etcd_server_learner_promote_successes").orElseThrow());
    }

    @Test
    void eachSnapshotSentIsTimed() {
        double before = cluster.metric(1, "etcd_disk_backend_snapshot_duration_seconds").orElseThrow();
        put(0, "snap", "v");
        var chunks = cluster.client(1, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .snapshot(SnapshotRequest.getDefaultInstance());
        while (chunks.hasNext()) {
            chunks.next();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        // observed once the sender is done, just after the client read the last chunk
        while (cluster.metric(1, "etcd_disk_backend_snapshot_duration_seconds").orElseThrow() != before + 1) {
            assertTrue(System.nanoTime() < deadline, "not timed");
            Thread.onSpinWait();
        }
    }

    @Test
    void aLearnerServesOnlyStatusAndSerializableReads() throws Exception {
        put(0, "l", "v");
        assertEquals(1, kv(2).range(RangeRequest.newBuilder().setKey(b("l")).build()).getCount());
        cluster.log.setLearner(ids[2], true);
        String refused = "etcdserver: rpc not supported for learner";
        assertEquals(1, kv(2).range(RangeRequest.newBuilder().setKey(b("l")).setSerializable(true).build()).getCount());
        assertTrue(status(2).getIsLearner());
        assertFalse(status(1).getIsLearner());
        assertError(Status.Code.UNAVAILABLE, refused, () -> kv(2).range(RangeRequest.newBuilder().setKey(b("l")).build()));
        assertError(Status.Code.UNAVAILABLE, refused, () -> put(2, "l", "w"));
        assertError(Status.Code.UNAVAILABLE, refused, () -> cluster.client(2, ClusterGrpc.ClusterBlockingStub.class)
                .memberList(MemberListRequest.getDefaultInstance()));
        // streams too
        CompletableFuture<Throwable> watchError = new CompletableFuture<>();
        StreamObserver<WatchRequest> watch = cluster.streamClient(2, WatchGrpc.WatchStub.class).watch(new StreamObserver<>() {
            public void onNext(WatchResponse value) {
                watchError.complete(null);
            }

            public void onError(Throwable t) {
                watchError.complete(t);
            }

            public void onCompleted() {
                watchError.complete(null);
            }
        });
        watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("l"))).build());
        Throwable t = watchError.get(10, TimeUnit.SECONDS);
        assertEquals(refused, Status.fromThrowable(t).getDescription());
        // the other members go on as before
        assertEquals(1, kv(1).range(RangeRequest.newBuilder().setKey(b("l")).build()).getCount());
    }

    @Test
    void theClusterServiceAnswersOnEveryMember() {
        for (int m = 0; m < 3; m++) {
            MemberListResponse list = cluster.client(m, ClusterGrpc.ClusterBlockingStub.class)
                    .memberList(MemberListRequest.newBuilder().setLinearizable(true).build());
            assertEquals(3, list.getMembersCount());
            assertEquals(ids[m], list.getHeader().getMemberId());
            assertEquals(0, list.getHeader().getRevision());
            for (int other = 0; other < 3; other++) {
                int o = other;
                var member = list.getMembersList().stream().filter(x -> x.getID() == ids[o]).findFirst().orElseThrow();
                assertEquals("m" + other, member.getName());
                assertEquals(List.of(cluster.endpoint(other)), member.getClientURLsList());
            }
        }
    }

    @Test
    void membershipChangesWorkFromAFollowerAndFailWithEtcdsErrors() {
        var follower = cluster.client(1, ClusterGrpc.ClusterBlockingStub.class);
        MemberAddResponse added = follower.memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs("http://127.0.0.1:22380").setIsLearner(true).build());
        try {
            assertTrue(added.getMember().getIsLearner());
            assertEquals(4, added.getMembersCount());
            assertEquals(4, cluster.client(2, ClusterGrpc.ClusterBlockingStub.class)
                    .memberList(MemberListRequest.newBuilder().setLinearizable(true).build()).getMembersCount());
            assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists",
                    () -> follower.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:22380").build()));
            assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster",
                    () -> follower.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:22381")
                            .setIsLearner(true).build()));
            // never started, so never caught up
            String notReady = "etcdserver: can only promote a learner member which is in sync with leader";
            double failedBefore = cluster.metric(1, "etcd_server_learner_promote_failures", notReady).orElse(0);
            assertError(Status.Code.FAILED_PRECONDITION, notReady,
                    () -> follower.memberPromote(MemberPromoteRequest.newBuilder().setID(added.getMember().getID()).build()));
            assertEquals(failedBefore + 1, cluster.metric(1, "etcd_server_learner_promote_failures", notReady).orElseThrow());
        } finally {
            follower.memberRemove(MemberRemoveRequest.newBuilder().setID(added.getMember().getID()).build());
        }
        assertError(Status.Code.NOT_FOUND, "etcdserver: member not found",
                () -> follower.memberRemove(MemberRemoveRequest.newBuilder().setID(added.getMember().getID()).build()));
        assertError(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member",
                () -> follower.memberPromote(MemberPromoteRequest.newBuilder().setID(ids[2]).build()));
        assertError(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid",
                () -> follower.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("not a url").build()));
    }

    @Test
    void consensusFailuresReachClientsAsEtcdsErrors() {
        cluster.log.failWith(Reason.LEADER_CHANGED);
        assertError(Status.Code.UNAVAILABLE, "etcdserver: leader changed", () -> put(1, "f", "v"));
        assertError(Status.Code.UNAVAILABLE, "etcdserver: leader changed",
                () -> kv(2).range(RangeRequest.newBuilder().setKey(b("f")).build()));
        cluster.log.failWith(Reason.TIMEOUT);
        assertError(Status.Code.UNAVAILABLE, "etcdserver: request timed out", () -> put(0, "f", "v"));
        cluster.log.failWith(Reason.TOO_MANY_REQUESTS);
        assertError(Status.Code.UNKNOWN, "etcdserver: too many requests", () -> put(2, "f", "v"));
        cluster.log.failWith(Reason.STOPPED);
        assertError(Status.Code.UNAVAILABLE, "etcdserver: server stopped", () -> put(1, "f", "v"));
        cluster.log.failWith(null);
        put(1, "f", "v");
    }

    @Test
    void aLinearizableReadWaitingForItsReadIndexFailsWhenANewLeaderIsSeen() throws Exception {
        put(0, "lr", "v");
        cluster.log.stallReads(true);
        CompletableFuture<RangeResponse> read = null;
        // The fixture may have just elected member 0; a read the member began before it saw that
        // fails at once (as it should), so begin again until one waits.
        for (int attempt = 0; attempt < 10 && read == null; attempt++) {
            CompletableFuture<RangeResponse> pending = CompletableFuture.supplyAsync(
                    () -> kv(2).range(RangeRequest.newBuilder().setKey(b("lr")).build()));
            try {
                pending.get(300, TimeUnit.MILLISECONDS);
                throw new AssertionError("a read was answered without a read index");
            } catch (TimeoutException waiting) {
                read = pending;
            } catch (java.util.concurrent.ExecutionException e) {
                assertEquals("etcdserver: leader changed", Status.fromThrowable(e.getCause()).getDescription());
            }
        }
        assertNotNull(read, "no read waited for its read index");
        cluster.log.elect(ids[1]);
        CompletableFuture<RangeResponse> waiting = read;
        Throwable t = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS))
                .getCause();
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode());
        assertEquals("etcdserver: leader changed", Status.fromThrowable(t).getDescription());
        cluster.log.stallReads(false);
        assertEquals(1, kv(2).range(RangeRequest.newBuilder().setKey(b("lr")).build()).getCount());
    }

    @Test
    void aProposalLostWithThePreviousLeaderTimesOutSayingSo() throws Exception {
        cluster.log.stallCommits(true);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> assertError(Status.Code.UNAVAILABLE,
                "etcdserver: request timed out, possibly due to previous leader failure", () -> put(1, "lost", "v")));
        Thread.sleep(200);
        cluster.log.elect(ids[2]);
        write.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aProposalThatNeverCommitsTimesOut() {
        cluster.log.stallCommits(true);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> put(1, "stalled", "v"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        // The fixture may have just elected a new leader, which the member may see after the
        // write began; etcd then blames the previous leader.
        assertTrue(Set.of("etcdserver: request timed out",
                "etcdserver: request timed out, possibly due to previous leader failure")
                .contains(e.getStatus().getDescription()), e.toString());
        cluster.log.stallCommits(false);
        assertEquals(0, kv(1).range(RangeRequest.newBuilder().setKey(b("stalled")).build()).getCount());
    }
}
