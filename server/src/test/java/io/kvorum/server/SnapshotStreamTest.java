package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.SnapshotRequest;
import io.kvorum.api.etcdserverpb.SnapshotResponse;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Maintenance.Snapshot} as etcd streams it: 32 KiB blobs with the bytes still to come, then
 * the SHA-256 of them all. A client that stops reading holds the stream, not the member: writes
 * go on, and the file still shows the moment the snapshot began.
 */
class SnapshotStreamTest {
    @TempDir
    Path dir;

    private final List<ClientFactory> factories = new ArrayList<>();
    private KvorumServer server;
    private String endpoint;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedMember.start(dir.resolve("data"));
        endpoint = server.clientUrls().get(0).toString();
    }

    @AfterEach
    void stop() {
        factories.forEach(ClientFactory::close);
        server.close();
    }

    @Test
    void aStalledSnapshotReaderDoesNotStallWritesAndGetsTheStateOfItsStart() throws Exception {
        KVGrpc.KVBlockingStub kv = GrpcClients.newClient(endpoint, KVGrpc.KVBlockingStub.class);
        ByteString value = ByteString.copyFrom(new byte[1024]);
        for (int i = 0; i < 3000; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/k/" + i)).setValue(value).build());
        }
        long revisionAtStart = 3001;

        LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
        CompletableFuture<ClientCallStreamObserver<SnapshotRequest>> call = new CompletableFuture<>();
        // a connection of its own: a reader that takes nothing fills its connection's window too
        ClientFactory ownConnection = ClientFactory.builder().build();
        factories.add(ownConnection);
        MaintenanceGrpc.MaintenanceStub maintenance = GrpcClients.builder(endpoint).factory(ownConnection)
                .responseTimeoutMillis(0).build(MaintenanceGrpc.MaintenanceStub.class);
        maintenance.snapshot(SnapshotRequest.getDefaultInstance(), new ClientResponseObserver<SnapshotRequest, SnapshotResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SnapshotRequest> requestStream) {
                requestStream.disableAutoRequestWithInitial(1);
                call.complete(requestStream);
            }

            @Override
            public void onNext(SnapshotResponse response) {
                received.add(response);
            }

            @Override
            public void onError(Throwable t) {
                received.add(t);
            }

            @Override
            public void onCompleted() {
                received.add("completed");
            }
        });
        List<SnapshotResponse> responses = new ArrayList<>();
        responses.add((SnapshotResponse) received.poll(30, TimeUnit.SECONDS));

        // the reader takes nothing more for now: writes still go through, at once
        for (int i = 0; i < 200; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/during/" + i)).setValue(value).build());
        }

        call.get().request(Integer.MAX_VALUE);
        for (Object next = received.poll(30, TimeUnit.SECONDS); !"completed".equals(next);
             next = received.poll(30, TimeUnit.SECONDS)) {
            if (!(next instanceof SnapshotResponse response)) {
                throw new AssertionError("snapshot stream: " + next);
            }
            responses.add(response);
        }

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long total = responses.get(0).getRemainingBytes() + responses.get(0).getBlob().size();
        for (SnapshotResponse r : responses.subList(0, responses.size() - 1)) {
            assertTrue(r.getBlob().size() <= 32 * 1024);
            data.write(r.getBlob().toByteArray());
            assertEquals(total - data.size(), r.getRemainingBytes());
        }
        assertEquals(total, data.size());
        assertEquals(0, data.size() % 4096);
        SnapshotResponse last = responses.get(responses.size() - 1);
        assertEquals(0, last.getRemainingBytes());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data.toByteArray()), last.getBlob().toByteArray());

        Path file = dir.resolve("snapshot.db");
        Files.write(file, data.toByteArray());
        String status = EtcdSnapshotFile.status(file, EtcdSnapshotFile.Format.JSON);
        assertTrue(status.contains("\"revision\":" + revisionAtStart + ","), status);
    }

    @Test
    void theJsonGatewayStreamsTheSameFileOneResultPerChunk() throws Exception {
        KVGrpc.KVBlockingStub kv = GrpcClients.newClient(endpoint, KVGrpc.KVBlockingStub.class);
        ByteString value = ByteString.copyFrom(new byte[2048]);
        for (int i = 0; i < 100; i++) {
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/g/" + i)).setValue(value).build());
        }
        AggregatedHttpResponse response = WebClient.of(endpoint)
                .execute(HttpRequest.of(HttpMethod.POST, "/v3/maintenance/snapshot", MediaType.JSON, "{}"))
                .aggregate().join();
        assertEquals(200, response.status().code());
        List<byte[]> blobs = new ArrayList<>();
        List<Long> remaining = new ArrayList<>();
        try (MappingIterator<JsonNode> results = new ObjectMapper().readerFor(JsonNode.class)
                .readValues(response.content().array())) {
            while (results.hasNext()) {
                JsonNode result = results.next().get("result");
                blobs.add(Base64.getDecoder().decode(result.path("blob").asText()));
                remaining.add(result.path("remaining_bytes").asLong(0));
            }
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] blob : blobs.subList(0, blobs.size() - 1)) {
            data.write(blob);
        }
        assertTrue(blobs.size() > 2, "chunks: " + blobs.size());
        assertEquals(data.size() - blobs.get(0).length, remaining.get(0));
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data.toByteArray()), blobs.get(blobs.size() - 1));
        Path file = dir.resolve("gateway.db");
        Files.write(file, data.toByteArray());
        assertTrue(EtcdSnapshotFile.status(file, EtcdSnapshotFile.Format.JSON).contains("\"revision\":101,"));
    }
}
