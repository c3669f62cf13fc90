package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.server.apply.ApplyHaltedException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member whose backend cannot read stops, with the reason, rather than skip a committed entry. */
class ApplyHaltTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;
    private final KvorumServerTest.MemoryBackendProvider memory = new KvorumServerTest.MemoryBackendProvider();

    private KvorumServer start() throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).build())
                .backend(memory)
                .build();
        server.start();
        return server;
    }

    private static KVGrpc.KVBlockingStub kv(KvorumServer server) {
        return GrpcClients.newClient(server.clientUrls().get(0).toString(), KVGrpc.KVBlockingStub.class)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }

    @Test
    void aMemberThatCannotApplyAnEntryStopsWithTheReasonAndItsStateStaysAsCommitted() throws Exception {
        try (KvorumServer first = start()) {
            kv(first).put(put("a", "1"));
        }

        KvorumServer second = start(); // a fresh start reads the key's record from the backend
        memory.backend.failReads(true);
        // a put that asks for prev_kv reads the key's previous record
        PutRequest withPrevKv = put("a", "2").toBuilder().setPrevKv(true).build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> kv(second).put(withPrevKv));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        assertEquals("etcdserver: server stopped", refused.getStatus().getDescription());
        ExecutionException stopped = assertThrows(ExecutionException.class, () -> second.stopped().get(10, TimeUnit.SECONDS));
        ApplyHaltedException halted = assertInstanceOf(ApplyHaltedException.class, stopped.getCause());
        assertTrue(halted.getMessage().startsWith("cannot apply the committed entry at index "), halted.getMessage());
        assertTrue(second.clientUrls().isEmpty() || !isServing(second), "the halted member no longer serves");

        memory.backend.failReads(false);
        try (KvorumServer third = start()) {
            var got = kv(third).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
            assertEquals("1", got.getKvs(0).getValue().toStringUtf8(), "the entry that failed was never applied");
            assertEquals(2, got.getHeader().getRevision());
        }
    }

    private static boolean isServing(KvorumServer server) {
        try {
            kv(server).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }
}
