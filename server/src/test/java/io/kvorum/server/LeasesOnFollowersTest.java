package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseLeasesRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.v3electionpb.CampaignRequest;
import io.kvorum.api.v3electionpb.CampaignResponse;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3electionpb.LeaderRequest;
import io.kvorum.api.v3electionpb.ResignRequest;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.api.v3lockpb.LockRequest;
import io.kvorum.api.v3lockpb.LockResponse;
import io.kvorum.api.v3lockpb.UnlockRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on every member of a three-member cluster: a member that does not lead forwards
 * keepalives and time-to-live to the leader, follows a new leader, and serves the lock and
 * election recipes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeasesOnFollowersTest {
    private static final long TTL = 60;
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
        cluster.log.elect(ids[0]);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private LeaseGrpc.LeaseBlockingStub leases(int member) {
        return cluster.client(member, LeaseGrpc.LeaseBlockingStub.class);
    }

    private long grant(int member) {
        return leases(member).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(TTL).build()).getID();
    }

    /** A client's keepalive stream to one member. */
    private final class KeepAlive implements StreamObserver<LeaseKeepAliveResponse>, AutoCloseable {
        final BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        final StreamObserver<LeaseKeepAliveRequest> requests;

        KeepAlive(int member) {
            requests = cluster.streamClient(member, LeaseGrpc.LeaseStub.class).leaseKeepAlive(this);
        }

        LeaseKeepAliveResponse renew(long id) throws InterruptedException {
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
            LeaseKeepAliveResponse answer = answers.poll(20, TimeUnit.SECONDS);
            assertNotNull(answer, () -> "no keepalive answer; stream ended: " + ended.getNow(null));
            return answer;
        }

        public void onNext(LeaseKeepAliveResponse value) {
            answers.add(value);
        }

        public void onError(Throwable t) {
            ended.complete(t);
        }

        public void onCompleted() {
            ended.complete(null);
        }

        public void close() {
            requests.onCompleted();
        }
    }

    @Test
    void aLeaseGrantedOnAFollowerIsKeptAliveAndRevokedThroughFollowers() throws Exception {
        long lease = grant(1);
        cluster.client(2, KVGrpc.KVBlockingStub.class)
                .put(PutRequest.newBuilder().setKey(b("leased")).setValue(b("v")).setLease(lease).build());
        try (KeepAlive keepAlive = new KeepAlive(2)) {
            LeaseKeepAliveResponse answer = keepAlive.renew(lease);
            assertEquals(lease, answer.getID());
            assertEquals(TTL, answer.getTTL());
            assertEquals(ids[2], answer.getHeader().getMemberId());
        }
        LeaseTimeToLiveResponse ttl = leases(1).leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
        assertEquals(TTL, ttl.getGrantedTTL());
        assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= TTL, "remaining " + ttl.getTTL());
        assertEquals(List.of(b("leased")), ttl.getKeysList());
        assertEquals(ids[1], ttl.getHeader().getMemberId());
        assertTrue(ttl.getHeader().getRevision() > 0);
        for (int m = 0; m < 3; m++) {
            assertTrue(leases(m).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
                    .anyMatch(l -> l.getID() == lease), "member " + m);
        }

        leases(2).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
        for (int m = 0; m < 3; m++) {
            assertEquals(0, cluster.client(m, KVGrpc.KVBlockingStub.class)
                    .range(RangeRequest.newBuilder().setKey(b("leased")).build()).getCount(), "member " + m);
        }
        assertEquals(-1, leases(1).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build()).getTTL());
        try (KeepAlive keepAlive = new KeepAlive(1)) {
            assertEquals(0, keepAlive.renew(lease).getTTL());
        }
    }

    @Test
    void aKeepAliveStreamOnAFollowerFollowsTheLeader() throws Exception {
        long lease = grant(0);
        try (KeepAlive keepAlive = new KeepAlive(2)) {
            assertEquals(TTL, keepAlive.renew(lease).getTTL());
            cluster.log.elect(ids[1]);
            assertEquals(TTL, keepAlive.renew(lease).getTTL());
            assertEquals(TTL, leases(2).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build())
                    .getGrantedTTL());
            // the member itself leads now: it answers from its own clocks
            cluster.log.elect(ids[2]);
            assertEquals(TTL, keepAlive.renew(lease).getTTL());
            cluster.log.elect(ids[0]);
            assertEquals(TTL, keepAlive.renew(lease).getTTL());
        }
    }

    @Test
    void aKeepAliveWaitsForALeaderAndGoesOnWhenOneIsElected() throws Exception {
        long lease = grant(0);
        try (KeepAlive keepAlive = new KeepAlive(1)) {
            cluster.log.loseLeader();
            keepAlive.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
            assertEquals(null, keepAlive.answers.poll(300, TimeUnit.MILLISECONDS));
            cluster.log.elect(ids[2]);
            LeaseKeepAliveResponse answer = keepAlive.answers.poll(20, TimeUnit.SECONDS);
            assertNotNull(answer);
            assertEquals(TTL, answer.getTTL());
        }
    }

    @Test
    void aKeepAliveWithoutLeaderForTheRequestTimeoutFailsWithNoLeader() throws Exception {
        long lease = grant(0);
        try (KeepAlive keepAlive = new KeepAlive(1)) {
            cluster.log.loseLeader();
            keepAlive.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
            Throwable t = keepAlive.ended.get(30, TimeUnit.SECONDS);
            assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode());
            assertEquals("etcdserver: no leader", Status.fromThrowable(t).getDescription());
        }
    }

    @Test
    void locksAndElectionsWorkOnAFollower() {
        long lease = grant(1);
        var locks = cluster.client(1, LockGrpc.LockBlockingStub.class);
        LockResponse locked = locks.lock(LockRequest.newBuilder().setName(b("lock")).setLease(lease).build());
        assertTrue(locked.getKey().startsWith(b("lock/")));
        assertEquals(1, cluster.client(2, KVGrpc.KVBlockingStub.class)
                .range(RangeRequest.newBuilder().setKey(locked.getKey()).build()).getCount());
        locks.unlock(UnlockRequest.newBuilder().setKey(locked.getKey()).build());
        assertEquals(0, cluster.client(0, KVGrpc.KVBlockingStub.class)
                .range(RangeRequest.newBuilder().setKey(locked.getKey()).build()).getCount());

        var elections = cluster.client(2, ElectionGrpc.ElectionBlockingStub.class);
        CampaignResponse campaign = elections.campaign(CampaignRequest.newBuilder().setName(b("election"))
                .setLease(lease).setValue(b("me")).build());
        assertEquals(b("me"), cluster.client(1, ElectionGrpc.ElectionBlockingStub.class)
                .leader(LeaderRequest.newBuilder().setName(b("election")).build()).getKv().getValue());
        elections.resign(ResignRequest.newBuilder().setLeader(campaign.getLeader()).build());
    }
}
