package io.kvorum.it.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.it.client.RawEtcdClient;

/** Asserts that a call fails with an exact gRPC status and leaves the store as it was. */
final class Rejections {
    private Rejections() {
    }

    static void assertRejected(RawEtcdClient client, Status.Code code, String message, Runnable call) {
        StoreState before = StoreState.of(client);

        StatusRuntimeException failure = RawEtcdClient.failure(call);

        assertEquals(code + ": " + message,
                failure.getStatus().getCode() + ": " + failure.getStatus().getDescription(),
                "gRPC status code and message");
        StoreState after = StoreState.of(client);
        assertEquals(before.revision(), after.revision(), "the store's revision changed");
        assertEquals(before.kvs(), after.kvs(), "the store's contents changed");
    }
}
