package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One member per data directory, embedded or launched. */
class DataDirLockTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;

    @Test
    void aSecondLockOnTheSameDirectoryIsRefusedNamingTheDirectoryAndTheHolder() throws IOException {
        Path dataDir = dir.resolve("data");
        try (DataDirLock first = DataDirLock.acquire(dataDir)) {
            IOException refused = assertThrows(IOException.class, () -> DataDirLock.acquire(dataDir));

            assertTrue(refused.getMessage().contains("\"" + dataDir + "\""), refused.getMessage());
            assertTrue(refused.getMessage().contains("(pid " + ProcessHandle.current().pid() + ")"), refused.getMessage());
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dataDir.resolve(DataDirLock.FILE_NAME)));
        }
    }

    @Test
    void theLockIsFreeAgainOnceReleased() throws IOException {
        DataDirLock.acquire(dir).close();
        DataDirLock.acquire(dir).close();
    }

    @Test
    void aSecondEmbeddedServerOnTheSameDataDirectoryDoesNotStartAndTheFirstKeepsServing() throws IOException {
        ServerConfig config = ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT)).build();
        try (KvorumServer first = KvorumServer.builder().config(config)
                .backend(new KvorumServerTest.MemoryBackendProvider()).build()) {
            first.start();
            try (KvorumServer second = KvorumServer.builder().config(config)
                    .backend(new KvorumServerTest.MemoryBackendProvider()).build()) {
                IOException refused = assertThrows(IOException.class, second::start);
                assertTrue(refused.getMessage().contains("is using data directory \"" + dir + "\""), refused.getMessage());
            }
            KVGrpc.KVBlockingStub kv = GrpcClients.newClient(first.clientUrls().get(0).toString(),
                    KVGrpc.KVBlockingStub.class);
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build());
            assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getCount());
        }
    }
}
