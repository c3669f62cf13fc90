package io.kvorum.examples.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kvorum.server.KvorumServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application's member, spoken to with jetcd, closed and started again on the same data. */
class EmbeddedStoreTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dataDir;

    @Test
    void servesEtcdClientsAndFindsItsDataAfterARestart() throws Exception {
        long lease;
        try (KvorumServer server = EmbeddedStore.start(dataDir, ANY_PORT);
             Client client = client(server)) {
            assertTrue(Files.isRegularFile(dataDir.resolve("member/db/kvorum.db")), "sqlite holds the data");
            assertEquals(List.of(server.clientUrls().get(0)),
                    await(client.getClusterClient().listMember()).getMembers().get(0).getClientURIs(),
                    "the member advertises the port it bound");

            // Watch from the next revision on: the put below is seen whether it lands before or
            // after the watch is created.
            long next = await(client.getKVClient().get(bytes("config/"))).getHeader().getRevision() + 1;
            BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
            try (Watch.Watcher watcher = client.getWatchClient().watch(bytes("config/"),
                    WatchOption.builder().isPrefix(true).withRevision(next).build(),
                    response -> events.addAll(response.getEvents()))) {
                await(client.getKVClient().put(bytes("config/ready"), bytes("no")));
                WatchEvent event = events.poll(15, TimeUnit.SECONDS);
                assertTrue(event != null, "no watch event within 15 s");
                assertEquals(WatchEvent.EventType.PUT, event.getEventType());
                assertEquals("config/ready", string(event.getKeyValue().getKey()));
                assertEquals("no", string(event.getKeyValue().getValue()));
            }

            await(client.getKVClient().put(bytes("config/ready"), bytes("yes")));
            lease = await(client.getLeaseClient().grant(600)).getID();
            await(client.getKVClient().put(bytes("session/app"), bytes("alive"),
                    PutOption.builder().withLeaseId(lease).build()));
            assertEquals(List.of(bytes("session/app")),
                    await(client.getLeaseClient().timeToLive(lease,
                            LeaseOption.builder().withAttachedKeys().build())).getKeys());
        }

        try (KvorumServer server = EmbeddedStore.start(dataDir, ANY_PORT);
             Client client = client(server)) {
            var ready = await(client.getKVClient().get(bytes("config/ready"))).getKvs();
            assertEquals(1, ready.size());
            assertEquals("yes", string(ready.get(0).getValue()));
            assertTrue(await(client.getLeaseClient().timeToLive(lease,
                    LeaseOption.DEFAULT)).getTTL() > 0, "the lease survived");
            assertEquals("alive", string(await(client.getKVClient().get(bytes("session/app"))).getKvs().get(0).getValue()));
        }
    }

    @Test
    void runsWithoutTheLauncherOnTheConfiguredPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.kvorum.launcher.Main"));
        assertTrue(ModuleLayer.boot().findModule("io.kvorum.launcher").isEmpty());
        String path = System.getProperty("kvorum.example.path", "");
        assertEquals(path.equals("module"), KvorumServer.class.getModule().isNamed(),
                "the server's module on the " + path + " path: " + KvorumServer.class.getModule());
        // on the module path the backend is a module of its own, found through its module-info;
        // on the class path, through its META-INF/services file
        assertEquals(path.equals("module"), ModuleLayer.boot().findModule("io.kvorum.backend.sqlite").isPresent(),
                "the sqlite backend as a named module on the " + path + " path");
    }

    private static Client client(KvorumServer server) {
        return Client.builder().endpoints(server.clientUrls().get(0)).build();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static String string(ByteSequence b) {
        return b.toString(UTF_8);
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(15, TimeUnit.SECONDS);
    }
}
