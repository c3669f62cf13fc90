package io.kvorum.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** A started member on a free port, with etcd's defaults and an in-memory backend, for the load tests. */
final class EmbeddedMember {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    private EmbeddedMember() {
    }

    static KvorumServer start(Path dataDir) throws IOException {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dataDir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }
}
