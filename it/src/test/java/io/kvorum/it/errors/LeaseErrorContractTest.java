package io.kvorum.it.errors;

import static io.kvorum.it.errors.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status.Code;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseLeasesRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseStatus;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.it.client.BidiStream;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each invalid Lease request gets etcd's gRPC code and exact message and changes nothing (neither
 * the store nor the set of leases); the unknown-lease cases that etcd answers without an error
 * (TimeToLive, KeepAlive) answer as etcd does. A put with an unknown lease is in
 * {@link ErrorContractTest}.
 */
class LeaseErrorContractTest {
    static final String LEASE_EXISTS = "etcdserver: lease already exists";
    static final String TTL_TOO_LARGE = "etcdserver: too large lease TTL";
    static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
    /** etcd's largest TTL (9,000,000,000 s). */
    static final long MAX_TTL = 9_000_000_000L;
    private static final long UNKNOWN = 0x7eadbeefL;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static RawEtcdClient client;

    @BeforeAll
    static void connect() {
        client = server.closeAfterAll(new RawEtcdClient(server.server()));
    }

    private static List<Long> leases() {
        return client.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
                .map(LeaseStatus::getID).sorted().toList();
    }

    private static void assertRejectedWithLeasesUnchanged(Code code, String message, Runnable call) {
        List<Long> before = leases();
        assertRejected(client, code, message, call);
        assertEquals(before, leases(), "the leases changed");
    }

    @Test
    void aLeaseIdTheClientChoosesIsTaken() {
        long id = client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(0x5eed1L).setTTL(60).build()).getID();

        assertEquals(0x5eed1L, id);
    }

    @Test
    void grantingAnIdInUseFailsWithLeaseAlreadyExists() {
        client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(0x5eed2L).setTTL(60).build());

        assertRejectedWithLeasesUnchanged(Code.FAILED_PRECONDITION, LEASE_EXISTS,
                () -> client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(0x5eed2L).setTTL(30).build()));
    }

    @Test
    void aTtlAboveTheMaximumIsOutOfRange() {
        assertRejectedWithLeasesUnchanged(Code.OUT_OF_RANGE, TTL_TOO_LARGE,
                () -> client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(MAX_TTL + 1).build()));
    }

    @Test
    void theMaximumTtlItselfIsGranted() {
        long id = client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(MAX_TTL).build()).getID();

        assertTrue(leases().contains(id));
    }

    @Test
    void revokingAnUnknownLeaseIsNotFound() {
        assertRejectedWithLeasesUnchanged(Code.NOT_FOUND, LEASE_NOT_FOUND,
                () -> client.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(UNKNOWN).build()));
    }

    @Test
    void timeToLiveOfAnUnknownLeaseAnswersTtlMinusOne() {
        LeaseTimeToLiveResponse response = client.lease().leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(UNKNOWN).setKeys(true).build());

        assertEquals(UNKNOWN, response.getID());
        assertEquals(-1, response.getTTL());
        assertEquals(0, response.getGrantedTTL());
        assertEquals(0, response.getKeysCount());
    }

    @Test
    void keepAliveOfAnUnknownLeaseAnswersTtlZeroAndTheStreamStaysOpen() {
        long known = client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
        BidiStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse> stream =
                BidiStream.open(client.leaseStreams()::leaseKeepAlive);
        try {
            stream.send(LeaseKeepAliveRequest.newBuilder().setID(UNKNOWN).build());
            LeaseKeepAliveResponse unknown = stream.next();
            stream.send(LeaseKeepAliveRequest.newBuilder().setID(known).build());
            LeaseKeepAliveResponse renewed = stream.next();

            assertEquals(UNKNOWN, unknown.getID());
            assertEquals(0, unknown.getTTL());
            assertEquals(known, renewed.getID());
            assertEquals(60, renewed.getTTL(), "the same stream still renews a real lease");
            assertEquals(Optional.empty(), stream.ended());
        } finally {
            stream.close();
        }
    }
}
