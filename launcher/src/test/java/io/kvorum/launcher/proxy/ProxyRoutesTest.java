package io.kvorum.launcher.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the proxy's listener answers: forwarded requests, readonly refusals, etcd's errors. */
class ProxyRoutesTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<HttpServer> servers = new ArrayList<>();
    /** What the upstream saw: method, path and query, body, X-Forwarded-For. */
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
        timer.shutdownNow();
    }

    /** An upstream that answers every request 201 with a header, echoing what it got. */
    private String upstream() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body + " "
                        + exchange.getRequestHeaders().getFirst("X-Forwarded-For"));
                byte[] answer = ("{\"echo\":\"" + body + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("X-Etcd-Index", "7");
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(201, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
        servers.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A URL nothing listens on. */
    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private URI proxy(List<String> endpoints, boolean readonly) throws IOException {
        Director director = new Director(() -> endpoints, Duration.ofSeconds(60), timer, new Random(3));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", new ProxyRoutes(director, new ReverseProxy(director, client, Duration.ZERO), readonly));
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static HttpResponse<String> send(URI proxy, String method, String pathAndQuery, String form)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(proxy.resolve(pathAndQuery))
                .header("Content-Type", "application/x-www-form-urlencoded");
        b.method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRequestIsForwardedWithItsBodyAndTheAnswerComesBackWhole() throws Exception {
        URI proxy = proxy(List.of(upstream()), false);
        HttpResponse<String> answer = send(proxy, "PUT", "/v2/keys/a%2Fb?prevExist=false", "value=1");
        assertEquals(201, answer.statusCode());
        assertEquals("{\"echo\":\"value=1\"}", answer.body());
        assertEquals("7", answer.headers().firstValue("X-Etcd-Index").orElse(""));
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(""));
        assertEquals(List.of("PUT /v2/keys/a%2Fb?prevExist=false value=1 127.0.0.1"), seen);
    }

    @Test
    void aReadonlyProxyRefusesAllButGetWithABare501AndForwardsGets() throws Exception {
        URI proxy = proxy(List.of(upstream()), true);
        for (String method : List.of("PUT", "POST", "DELETE", "HEAD")) {
            HttpResponse<String> refused = send(proxy, method, "/v2/keys/a", "value=1");
            assertEquals(501, refused.statusCode(), method);
            assertEquals("", refused.body(), method);
            assertEquals("0", refused.headers().firstValue("Content-Length").orElse("0"), method);
        }
        assertEquals(List.of(), seen, "nothing refused reaches a member");
        assertEquals(501, send(proxy, "POST", ProxyRoutes.CONFIG_PATH, "").statusCode());
        assertEquals(201, send(proxy, "GET", "/v2/keys/a", null).statusCode());
        assertEquals(List.of("GET /v2/keys/a  127.0.0.1"), seen);
    }

    @Test
    void anEndpointThatCannotBeReachedIsMarkedFailedAndTheNextOneAnswers() throws Exception {
        String dead = deadUrl();
        String live = upstream();
        Director director = new Director(() -> List.of(dead, live), Duration.ofSeconds(60), timer, new Random(3));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", new ProxyRoutes(director,
                new ReverseProxy(director, HttpClient.newHttpClient(), Duration.ZERO), false));
        server.start();
        servers.add(server);
        URI proxy = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        for (int i = 0; i < 3; i++) {
            assertEquals(201, send(proxy, "GET", "/version", null).statusCode());
        }
        assertEquals(List.of(live), director.endpoints().stream().map(e -> e.url().toString()).toList(),
                "the dead endpoint is left out after its first failure");
    }

    @Test
    void withNoEndpointOrNoneAnsweringEtcdsJsonErrorsComeBack() throws Exception {
        HttpResponse<String> none = send(proxy(List.of(), false), "GET", "/v2/keys/a", null);
        assertEquals(503, none.statusCode());
        assertEquals("{\"message\":\"httpproxy: zero endpoints currently available\"}", none.body());
        assertEquals("application/json", none.headers().firstValue("Content-Type").orElse(""));

        HttpResponse<String> failing = send(proxy(List.of(deadUrl(), deadUrl()), false), "GET", "/v2/keys/a", null);
        assertEquals(502, failing.statusCode());
        assertEquals("{\"message\":\"httpproxy: unable to get response from 2 endpoint(s)\"}", failing.body());
    }

    @Test
    void theProxysConfigListsItsAvailableEndpoints() throws Exception {
        String live = upstream();
        URI proxy = proxy(List.of(live), false);
        HttpResponse<String> config = send(proxy, "GET", ProxyRoutes.CONFIG_PATH, null);
        assertEquals(200, config.statusCode());
        assertEquals("{\"endpoints\":[\"" + live + "\"]}\n", config.body());
        HttpResponse<String> put = send(proxy, "PUT", ProxyRoutes.CONFIG_PATH, "");
        assertEquals(405, put.statusCode());
        assertEquals("Method Not Allowed\n", put.body());
        assertEquals("GET", put.headers().firstValue("Allow").orElse(""));
        assertTrue(seen.isEmpty());
    }
}
