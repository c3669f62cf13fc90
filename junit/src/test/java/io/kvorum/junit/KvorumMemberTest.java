package io.kvorum.junit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kvorum.server.KvorumServer;
import java.net.URI;
import java.nio.file.Files;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The extension as a user's test class sees it: one sqlite member, reached with jetcd. */
@KvorumMember(backend = "sqlite", backendOptions = "cache-size-bytes=1048576")
class KvorumMemberTest {
    static KvorumServer server;
    @KvorumEndpoint
    static URI endpoint;
    private static Client client;

    @KvorumEndpoint
    String endpointText;

    @BeforeAll
    static void connect() {
        client = Client.builder().endpoints(endpoint).build();
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @Test
    void fieldsAndParametersNameTheSameRunningMember(KvorumServer parameter, @KvorumEndpoint URI url,
                                                     @KvorumEndpoint String text) {
        assertSame(server, parameter);
        assertEquals(server.clientUrls().get(0), endpoint);
        assertEquals(endpoint, url);
        assertEquals(endpoint.toString(), text);
        assertEquals(text, endpointText);
        assertEquals("127.0.0.1", endpoint.getHost());
        assertTrue(endpoint.getPort() > 0);
    }

    @Test
    void theMemberRunsTheBackendNamed() {
        assertEquals("sqlite", server.config().backend());
        assertEquals("1048576", server.config().backendOptions().get("cache-size-bytes").orElseThrow());
        assertTrue(Files.isRegularFile(server.config().dataDir().resolve("member/db/kvorum.db")));
    }

    @Test
    void putsGetsWatchesAndLeasesWork() throws Exception {
        long next = await(client.getKVClient().get(bytes("orders/"))).getHeader().getRevision() + 1;
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        try (Watch.Watcher watcher = client.getWatchClient().watch(bytes("orders/"),
                WatchOption.builder().isPrefix(true).withRevision(next).build(),
                response -> events.addAll(response.getEvents()))) {
            long lease = await(client.getLeaseClient().grant(60)).getID();
            await(client.getKVClient().put(bytes("orders/1"), bytes("paid"), PutOption.builder().withLeaseId(lease).build()));
            assertEquals("paid", string(await(client.getKVClient().get(bytes("orders/1"))).getKvs().get(0).getValue()));
            WatchEvent put = events.poll(15, TimeUnit.SECONDS);
            assertTrue(put != null, "no watch event within 15 s");
            assertEquals(WatchEvent.EventType.PUT, put.getEventType());
            assertEquals(lease, put.getKeyValue().getLease());

            await(client.getLeaseClient().revoke(lease));
            WatchEvent deleted = events.poll(15, TimeUnit.SECONDS);
            assertTrue(deleted != null, "no delete event within 15 s");
            assertEquals(WatchEvent.EventType.DELETE, deleted.getEventType());
            assertEquals("orders/1", string(deleted.getKeyValue().getKey()));
        }
    }

    @Nested
    class NestedClasses {
        @Test
        void shareTheOuterClassesMember(KvorumServer parameter, @KvorumEndpoint URI url) {
            assertSame(server, parameter);
            assertEquals(endpoint, url);
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    static String string(ByteSequence b) {
        return b.toString(UTF_8);
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(15, TimeUnit.SECONDS);
    }
}
