package io.kvorum.it.errors;

import static io.kvorum.it.errors.Rejections.assertRejected;
import static io.kvorum.it.errors.Requests.op;
import static io.kvorum.it.errors.Requests.put;
import static io.kvorum.it.errors.Requests.txn;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --max-request-bytes}: a request over it is {@code etcdserver: request is too large}; a
 * message over it plus 512 KiB never reaches etcd's code (the gRPC layer's receive limit).
 */
class RequestSizeLimitTest {
    private static final int MAX_REQUEST_BYTES = 4096;
    /** etcd sets the gRPC receive limit to max-request-bytes + 512 KiB. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withFlags("--max-request-bytes", String.valueOf(MAX_REQUEST_BYTES));

    private static RawEtcdClient client;

    @BeforeAll
    static void connect() {
        client = server.closeAfterAll(new RawEtcdClient(server.server()));
        client.kv().put(put("seed", "v").build());
    }

    private static ByteString zeros(int n) {
        return ByteString.copyFrom(new byte[n]);
    }

    @Test
    void aPutWellUnderTheLimitIsAccepted() {
        long revision = client.kv().put(put("under", "").setValue(zeros(MAX_REQUEST_BYTES - 512)).build())
                .getHeader().getRevision();

        assertEquals(MAX_REQUEST_BYTES - 512,
                client.kv().range(Requests.range("under").build()).getKvs(0).getValue().size());
        assertEquals(revision, client.kv().range(Requests.range("under").build()).getKvs(0).getModRevision());
    }

    @Test
    void aPutWithAValueOfTheLimitItselfIsTooLarge() {
        assertRejected(client, Code.INVALID_ARGUMENT, ErrorContractTest.TOO_LARGE,
                () -> client.kv().put(put("over", "").setValue(zeros(MAX_REQUEST_BYTES)).build()));
    }

    @Test
    void aTxnWhosePutsTogetherExceedTheLimitIsTooLarge() {
        ByteString half = zeros(MAX_REQUEST_BYTES / 2 + 64);

        assertRejected(client, Code.INVALID_ARGUMENT, ErrorContractTest.TOO_LARGE, () -> client.kv().txn(
                txn(op(put("t1", "").setValue(half)), op(put("t2", "").setValue(half))).build()));
    }

    /**
     * Beyond the gRPC receive limit the status comes from the gRPC library, not from etcd: the code
     * is RESOURCE_EXHAUSTED, the message is the library's own (grpc-go: {@code grpc: received message
     * larger than max (N vs. M)}), so only the code is part of the contract.
     */
    @Test
    void aMessageBeyondTheGrpcReceiveLimitIsResourceExhausted() {
        StoreState before = StoreState.of(client);

        var failure = RawEtcdClient.failure(() -> client.kv().put(
                put("huge", "").setValue(zeros(MAX_REQUEST_BYTES + GRPC_OVERHEAD_BYTES + 1024)).build()));

        assertEquals(Code.RESOURCE_EXHAUSTED, failure.getStatus().getCode(), String.valueOf(failure.getStatus()));
        assertEquals(before, StoreState.of(client));
    }
}
