package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.kvorum.consensus.raft.transport.grpc.RawPeer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership calls of a running three-member cluster, made on its leader's peer port by
 * callers who are not its members, and by a member with a malformed request: none of them
 * changes the cluster or stops the leader.
 */
class PeerPortTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static GrpcCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = GrpcCluster.started(dir, 3);
        cluster.writeAndAwait("formed");
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @Test
    void memberRemoveFromAStrangerIsRefusedAndRemovesNoOne() throws Exception {
        long leader = cluster.awaitLeader();
        long victim = follower(leader);

        RawPeer.Outcome stranger = removeOn(leader, RawPeer.identity(GrpcCluster.CLUSTER_ID, 0xBAD, leader), victim);
        RawPeer.Outcome foreign = removeOn(leader, RawPeer.identity(GrpcCluster.CLUSTER_ID + 1, follower(leader),
                leader), victim);
        RawPeer.Outcome anonymous = removeOn(leader, Map.of(), victim);

        assertEquals(Status.Code.PERMISSION_DENIED, stranger.code(), stranger.toString());
        assertEquals(Status.Code.FAILED_PRECONDITION, foreign.code(), foreign.toString());
        assertTrue(foreign.description().contains("cluster ID mismatch"), foreign.toString());
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.code(), anonymous.toString());
        cluster.writeAndAwait("after the strangers' removes");
        for (RaftNode node : cluster.nodes.values()) {
            assertEquals(3, node.members().size(), "members seen by " + Long.toHexString(node.status().memberId()));
        }
    }

    @Test
    void aMemberAddWithAHugeUrlCountIsRefusedAndTheLeaderStays() throws Exception {
        long leader = cluster.awaitLeader();
        byte[] request = ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 0).array();

        RawPeer.Outcome outcome = callOn(leader, identity(follower(leader), leader, MembershipCalls.CALL_ADD),
                MembershipCalls.CALL_ADD, request);

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertFalse(cluster.nodes.get(leader).queue.stopping(), "the leader's driver stopped");
        cluster.writeAndAwait("after the huge count");
        assertEquals(leader, cluster.awaitLeader());
        assertEquals(3, cluster.nodes.get(leader).members().size());
    }

    @Test
    void theMemberListIsOpenToAJoiningMemberThatKnowsNoClusterYet() throws Exception {
        long leader = cluster.awaitLeader();

        RawPeer.Outcome outcome = callOn(leader, Map.of("kvorum-method", MembershipCalls.CALL_MEMBERS),
                MembershipCalls.CALL_MEMBERS, new byte[0]);

        assertEquals(Status.Code.OK, outcome.code(), outcome.toString());
        assertEquals(GrpcCluster.CLUSTER_ID, (long) Wire.read(Wire.body(outcome.answer()), in -> in.readLong()));
    }

    private static long follower(long leader) {
        return cluster.nodes.keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
    }

    private static RawPeer.Outcome removeOn(long target, Map<String, String> identity, long victim)
            throws InterruptedException {
        Map<String, String> headers = new HashMap<>(identity);
        headers.put("kvorum-method", MembershipCalls.CALL_REMOVE);
        return callOn(target, headers, MembershipCalls.CALL_REMOVE, ByteBuffer.allocate(8).putLong(victim).array());
    }

    static Map<String, String> identity(long from, long to, String method) {
        Map<String, String> headers = new HashMap<>(RawPeer.identity(GrpcCluster.CLUSTER_ID, from, to));
        headers.put("kvorum-method", method);
        return headers;
    }

    private static RawPeer.Outcome callOn(long target, Map<String, String> headers, String method, byte[] request)
            throws InterruptedException {
        try (RawPeer peer = new RawPeer(cluster.peerUrl(target))) {
            return peer.send(RawPeer.CALL, headers, List.of(RawPeer.callFrame(method, request)), PATIENCE);
        }
    }
}
