package io.kvorum.it.errors;

import static io.kvorum.it.errors.Rejections.assertRejected;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.v3electionpb.CampaignRequest;
import io.kvorum.api.v3electionpb.LeaderKey;
import io.kvorum.api.v3electionpb.LeaderRequest;
import io.kvorum.api.v3electionpb.ProclaimRequest;
import io.kvorum.api.v3electionpb.ResignRequest;
import io.kvorum.api.v3lockpb.LockRequest;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Lock and Election services' failures: exact gRPC code and message, nothing changed. Their
 * errors are plain errors in etcd, so they reach the client as code Unknown — even the lease
 * error, which the KV service itself reports as NotFound.
 */
class LockElectionErrorContractTest {
    static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
    static final String NO_LEADER = "election: no leader";
    static final String NOT_LEADER = "election: not leader";
    static final String LEADER_MISSING = "\"leader\" field must be provided";

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static RawEtcdClient client;

    @BeforeAll
    static void connect() {
        client = server.closeAfterAll(new RawEtcdClient(server.server()));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static long grant() {
        return client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
    }

    @Test
    void lockingWithALeaseThatDoesNotExistFails() {
        assertRejected(client, Code.UNKNOWN, LEASE_NOT_FOUND, () -> client.lock()
                .lock(LockRequest.newBuilder().setName(bytes("lock-no-lease")).setLease(0x7eadbeefL).build()));
    }

    @Test
    void campaigningWithALeaseThatDoesNotExistFails() {
        assertRejected(client, Code.UNKNOWN, LEASE_NOT_FOUND, () -> client.election().campaign(CampaignRequest
                .newBuilder().setName(bytes("election-no-lease")).setLease(0x7eadbeefL).setValue(bytes("v")).build()));
    }

    @Test
    void anElectionWithoutCandidatesHasNoLeader() {
        assertRejected(client, Code.UNKNOWN, NO_LEADER,
                () -> client.election().leader(LeaderRequest.newBuilder().setName(bytes("nobody")).build()));
    }

    @Test
    void proclaimWithoutALeaderFieldIsRejected() {
        assertRejected(client, Code.UNKNOWN, LEADER_MISSING,
                () -> client.election().proclaim(ProclaimRequest.newBuilder().setValue(bytes("v")).build()));
    }

    @Test
    void resignWithoutALeaderFieldIsRejected() {
        assertRejected(client, Code.UNKNOWN, LEADER_MISSING,
                () -> client.election().resign(ResignRequest.getDefaultInstance()));
    }

    @Test
    void proclaimingWhenNotTheLeaderIsRejected() {
        long lease = grant();
        LeaderKey leader = client.election().campaign(CampaignRequest.newBuilder().setName(bytes("resigned"))
                .setLease(lease).setValue(bytes("v1")).build()).getLeader();
        client.election().resign(ResignRequest.newBuilder().setLeader(leader).build());

        assertRejected(client, Code.UNKNOWN, NOT_LEADER, () -> client.election()
                .proclaim(ProclaimRequest.newBuilder().setLeader(leader).setValue(bytes("v2")).build()));
    }
}
