package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** etcd's {@code --host-whitelist}: which Host headers a plain-HTTP request may carry, and etcd's 421 for the others. */
class HostWhitelistTest {
    /** Every server started here, stopping; all are stopped before the class ends. */
    private static final List<CompletableFuture<Void>> STOPPING = new CopyOnWriteArrayList<>();

    @AfterAll
    static void everyServerStops() {
        CompletableFuture.allOf(STOPPING.toArray(CompletableFuture[]::new)).join();
    }

    private static AggregatedHttpResponse send(Set<String> hosts, String authority) {
        Server server = Server.builder().port(0, SessionProtocol.HTTP).gracefulShutdownTimeoutMillis(0, 0)
                .service("/version", new HostWhitelist(hosts).wrap((ctx, req) -> HttpResponse.of(HttpStatus.ACCEPTED)))
                .build();
        server.start().join();
        try {
            RequestHeaders headers = RequestHeaders.builder(HttpMethod.GET, "/version").authority(authority).build();
            return WebClient.of("h1c://127.0.0.1:" + server.activeLocalPort()).execute(headers).aggregate().join();
        } finally {
            // A stopping server lingers in its event loops' quiet period: let that pass in the background.
            STOPPING.add(server.stop());
        }
    }

    @Test
    void everyHostByDefaultAndWithNoEntry() {
        assertEquals(202, send(Set.of("*"), "anything.example:2379").status().code());
        assertEquals(202, send(Set.of(), "anything.example:2379").status().code());
        assertEquals(202, send(Set.of("localhost", "*"), "anything.example").status().code());
    }

    @Test
    void onlyTheListedHostsWhateverThePort() {
        Set<String> hosts = Set.of("localhost", "127.0.0.1", "::1");
        assertEquals(202, send(hosts, "localhost:2379").status().code());
        assertEquals(202, send(hosts, "127.0.0.1").status().code());
        assertEquals(202, send(hosts, "[::1]:2379").status().code());
        assertEquals(421, send(hosts, "foo.example:2379").status().code());
        assertEquals(421, send(hosts, "localhost.example").status().code());
    }

    @Test
    void anEmptyValueAllowsOnlyAnEmptyHostAsEtcds() {
        // etcd splits --host-whitelist= into one empty name: every named host is refused
        assertEquals(421, send(Set.of(""), "127.0.0.1:2379").status().code());
    }

    @Test
    void theRefusalIsEtcdsByteForByte() {
        AggregatedHttpResponse refused = send(Set.of("localhost"), "127.0.0.1:2379");

        assertEquals(421, refused.status().code());
        assertEquals("text/plain; charset=utf-8", refused.headers().contentType().toString());
        assertEquals("nosniff", refused.headers().get("x-content-type-options"));
        // what etcd 3.4 answers for the same request, Content-Length 371
        String body = refused.content().toString(StandardCharsets.UTF_8);
        assertEquals(371, body.getBytes(StandardCharsets.UTF_8).length);
        assertEquals("""

                etcd received your request, but the Host header was unrecognized.

                To fix this, choose one of the following options:
                - Enable TLS, then any HTTPS request will be allowed.
                - Add the hostname you want to use to the whitelist in settings.
                  - e.g. etcd --host-whitelist "127.0.0.1"

                This requirement has been added to help prevent "DNS Rebinding" attacks (CVE-2018-5702).

                """, body);
    }

    @Test
    void hostsAreFoundAsGoFindsThem() {
        assertEquals("localhost", HostWhitelist.hostname("localhost:2379"));
        assertEquals("localhost", HostWhitelist.hostname("localhost"));
        assertEquals("::1", HostWhitelist.hostname("[::1]:2379"));
        assertEquals("[::1]", HostWhitelist.hostname("[::1]"));
        assertEquals("::1", HostWhitelist.hostname("::1"));
        assertEquals("", HostWhitelist.hostname(null));
    }
}
