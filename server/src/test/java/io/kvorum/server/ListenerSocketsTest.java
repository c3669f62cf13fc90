package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's {@code --socket-reuse-port}: a second member may listen on the port a first one holds. */
class ListenerSocketsTest {
    @TempDir
    Path dir;

    private KvorumServer start(String name, URI url, ListenerSockets sockets) throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir.resolve(name)).listenClientUrls(List.of(url))
                        .advertiseClientUrls(List.of(url)).listenerSockets(sockets).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }

    @Test
    void withReusePortTwoMembersListenOnOnePort() throws Exception {
        ListenerSockets reuse = new ListenerSockets(true, false);
        try (KvorumServer first = start("first", URI.create("http://127.0.0.1:0"), reuse)) {
            URI taken = first.clientUrls().get(0);
            try (KvorumServer second = start("second", taken, reuse)) {
                assertEquals(taken.getPort(), second.clientUrls().get(0).getPort());
            }
        }
    }

    @Test
    void withoutReusePortTheSecondCannotListen() throws Exception {
        try (KvorumServer first = start("first", URI.create("http://127.0.0.1:0"), new ListenerSockets(false, true))) {
            URI taken = first.clientUrls().get(0);
            Exception e = assertThrows(Exception.class, () -> start("second", taken, new ListenerSockets(false, true)).close());
            assertTrue(String.valueOf(e.getMessage()).contains("cannot listen"), e.toString());
        }
    }
}
