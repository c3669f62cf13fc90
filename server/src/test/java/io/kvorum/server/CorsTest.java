package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** etcd's {@code --cors}: which requests get the CORS headers, and OPTIONS answered at once. */
class CorsTest {
    /** Every server started here, stopping; all are stopped before the class ends. */
    private static final List<CompletableFuture<Void>> STOPPING = new CopyOnWriteArrayList<>();

    @AfterAll
    static void everyServerStops() {
        CompletableFuture.allOf(STOPPING.toArray(CompletableFuture[]::new)).join();
    }

    private static AggregatedHttpResponse send(Set<String> origins, HttpMethod method, String origin) {
        Server server = Server.builder().port(0, SessionProtocol.HTTP).gracefulShutdownTimeoutMillis(0, 0)
                .service("/v3/kv/range", new Cors(origins).wrap((ctx, req) -> HttpResponse.of(HttpStatus.ACCEPTED)))
                .build();
        server.start().join();
        try {
            RequestHeadersBuilder headers = RequestHeaders.builder(method, "/v3/kv/range");
            if (origin != null) {
                headers.add("origin", origin);
            }
            return WebClient.of("h1c://127.0.0.1:" + server.activeLocalPort()).execute(headers.build()).aggregate().join();
        } finally {
            // A stopping server lingers in its event loops' quiet period: let that pass in the background.
            STOPPING.add(server.stop());
        }
    }

    @Test
    void everyOriginByDefault() {
        AggregatedHttpResponse answer = send(Set.of("*"), HttpMethod.POST, null);

        assertEquals(202, answer.status().code());
        assertEquals("*", answer.headers().get("access-control-allow-origin"));
        assertEquals("POST, GET, OPTIONS, PUT, DELETE", answer.headers().get("access-control-allow-methods"));
        assertEquals("accept, content-type, authorization", answer.headers().get("access-control-allow-headers"));
    }

    @Test
    void onlyTheListedOriginsWhenGiven() {
        Set<String> origins = Set.of("http://a.example:8080");

        assertEquals("http://a.example:8080",
                send(origins, HttpMethod.POST, "http://a.example:8080").headers().get("access-control-allow-origin"));
        assertNull(send(origins, HttpMethod.POST, "http://b.example:8080").headers().get("access-control-allow-origin"));
        assertNull(send(origins, HttpMethod.POST, null).headers().get("access-control-allow-origin"));
    }

    @Test
    void optionsIsAnsweredAtOnce() {
        assertEquals(200, send(Set.of("*"), HttpMethod.OPTIONS, null).status().code());
    }
}
