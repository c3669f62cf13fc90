package io.kvorum.it.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvorum.it.server.ServerExtension;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's gRPC-JSON gateway, as curl sees it: every request goes to the server under test and to
 * a real etcd started beside it, and both must answer with the same HTTP status and the same JSON
 * shape: the same fields, in the same JSON types (64-bit integers as strings, bytes as base64,
 * enums by name, defaults left out), with the same values but for those that differ between any
 * two servers (ids, terms, sizes, hashes, remaining TTLs, URLs). Both servers see the same
 * requests in the same order, so revisions must match too. Streams (watch, keepalive) are
 * compared line by line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(60)
class JsonGatewayTest {
    /** Values that differ between two servers given the same requests. */
    private static final Set<String> VARYING = Set.of("cluster_id", "member_id", "raft_term", "name",
            "peerURLs", "clientURLs", "dbSize", "dbSizeInUse", "leader", "raftIndex", "raftTerm",
            "raftAppliedIndex", "hash", "TTL");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static ServerProcess etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = Target.ETCD.start(ServerSpec.fresh(JsonGatewayTest.class.getSimpleName() + "-etcd"));
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
            etcd.spec().deleteData();
        }
    }

    @Test
    @Order(1)
    void putAndRangeAnswerAsEtcd() {
        // etcd's documented example
        assertSameAnswer("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmFy\"}");
        assertSameAnswer("/v3/kv/put", "{\"key\":\"Zm9vMg==\",\"value\":\"YmF6\",\"prev_kv\":true}");
        assertSameAnswer("/v3/kv/put", "{\"key\":\"Zm9vMg==\",\"value\":\"YmF6\",\"prev_kv\":true}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\"}");
        // a prefix: foo up to fop
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\"}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"keys_only\":true,\"limit\":1}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"count_only\":true}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"bm9uZQ==\"}");
        // the legacy prefix, fields etcd does not know, 64-bit integers as numbers
        assertSameAnswer("/v3beta/kv/range", "{\"key\":\"Zm9v\",\"unknown_field\":1,\"revision\":2}");
    }

    @Test
    @Order(2)
    void deleteAndTxnAnswerAsEtcd() {
        assertSameAnswer("/v3/kv/deleterange", "{\"key\":\"Zm9vMg==\",\"prev_kv\":true}");
        assertSameAnswer("/v3/kv/deleterange", "{\"key\":\"Zm9vMg==\"}");
        String txn = "{\"compare\":[{\"key\":\"dHhu\",\"result\":\"EQUAL\",\"target\":\"VERSION\",\"version\":\"0\"}],"
                + "\"success\":[{\"request_put\":{\"key\":\"dHhu\",\"value\":\"MQ==\"}}],"
                + "\"failure\":[{\"request_range\":{\"key\":\"dHhu\"}}]}";
        assertSameAnswer("/v3/kv/txn", txn); // succeeds
        assertSameAnswer("/v3/kv/txn", txn); // fails: the range runs
    }

    @Test
    @Order(3)
    void errorsAnswerAsEtcdsGateway() {
        assertSameAnswer("/v3/kv/range", "{\"key\":\"\"}");
        assertSameAnswer("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmFy\",\"lease\":\"123\"}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\",\"revision\":\"1000\"}");
        assertSameAnswer("/v3/maintenance/transfer-leadership", "{\"targetID\":\"5\"}");
        // the decoder's words differ (Go's against Java's): status and code must not
        assertSameAnswer("/v3/kv/range", "{bad", "error", "message");
        Answer kvorum = post(server.server(), "/v3/kv/range", null);
        Answer real = post(etcd, "/v3/kv/range", null);
        assertEquals(real.status(), kvorum.status(), "GET " + kvorum);
        assertEquals(real.body().trim(), kvorum.body().trim(), "GET");
    }

    @Test
    @Order(4)
    void compactionAnswersAsEtcd() {
        assertSameAnswer("/v3/kv/put", "{\"key\":\"Y29tcGFjdA==\",\"value\":\"MQ==\"}");
        assertSameAnswer("/v3/kv/compaction", "{\"revision\":\"3\",\"physical\":true}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"Zm9v\",\"revision\":\"2\"}");
        assertSameAnswer("/v3/kv/compaction", "{\"revision\":\"2\"}");
    }

    @Test
    @Order(5)
    void leasesAnswerAsEtcd() {
        assertSameAnswer("/v3/lease/grant", "{\"TTL\":\"60\",\"ID\":\"4660\"}");
        assertSameAnswer("/v3/lease/grant", "{\"TTL\":60,\"ID\":4661}");
        assertSameAnswer("/v3/kv/put", "{\"key\":\"bGVhc2Vk\",\"value\":\"MQ==\",\"lease\":\"4660\"}");
        assertSameAnswer("/v3/lease/leases", "{}");
        assertSameAnswer("/v3/kv/lease/leases", "{}");
        assertSameAnswer("/v3/lease/timetolive", "{\"ID\":\"4660\",\"keys\":true}");
        assertSameAnswer("/v3/kv/lease/timetolive", "{\"ID\":\"4661\"}");
        assertSameAnswer("/v3/lease/timetolive", "{\"ID\":\"999\"}");
        // one answer, then the stream ends (the body was the client's last request)
        assertSameStream("/v3/lease/keepalive", "{\"ID\":\"4660\"}", 2, null);
        assertSameStream("/v3/lease/keepalive", "{\"ID\":\"999\"}", 2, null);
        assertSameAnswer("/v3/lease/revoke", "{\"ID\":\"4660\"}");
        assertSameAnswer("/v3/kv/lease/revoke", "{\"ID\":\"4661\"}");
        assertSameAnswer("/v3/lease/revoke", "{\"ID\":\"4661\"}");
        assertSameAnswer("/v3/kv/range", "{\"key\":\"bGVhc2Vk\"}");
    }

    @Test
    @Order(6)
    void clusterAndMaintenanceAnswerAsEtcd() {
        assertSameAnswer("/v3/cluster/member/list", "{}", "ID");
        assertSameAnswer("/v3/maintenance/status", "{}", "version");
        assertSameAnswer("/v3/maintenance/hash", "{}");
        assertSameAnswer("/v3/maintenance/defragment", "{}");
        // etcd 3.4 leaves the alarm answer's header empty, 3.5 (kvorum's contract) fills it
        assertSameAnswer("/v3/maintenance/alarm", "{\"action\":\"GET\"}", "-header");
    }

    @Test
    @Order(7)
    void aWatchStreamsItsEventsAsEtcd() {
        // created, then the put and the delete made once it is
        assertSameStream("/v3/watch", "{\"create_request\":{\"key\":\"d2F0Y2g=\"}}", 3, (target, lines) -> {
            if (lines == 1) {
                post(target, "/v3/kv/put", "{\"key\":\"d2F0Y2g=\",\"value\":\"MQ==\"}");
                post(target, "/v3/kv/deleterange", "{\"key\":\"d2F0Y2g=\"}");
            }
        });
        // a watch from a compacted revision is canceled, saying so
        assertSameStream("/v3/watch", "{\"create_request\":{\"key\":\"Zm9v\",\"start_revision\":\"1\"}}", 2, null);
        // two watches in one body, the second one's id in its answer
        assertSameStream("/v3/watch", "{\"create_request\":{\"key\":\"YQ==\"}}{\"create_request\":{\"key\":\"Yg==\"}}",
                2, null);
    }

    @Test
    @Order(8)
    void corsHeadersAreEtcds() throws Exception {
        for (String path : List.of("/v3/kv/range", "/health", "/version")) {
            HttpRequest post = HttpRequest.newBuilder(etcd.clientUrl().resolve(path)).timeout(Duration.ofSeconds(20))
                    .method(path.startsWith("/v3/") ? "POST" : "GET", HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}"))
                    .build();
            HttpResponse<String> real = HTTP.send(post, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> kvorum = HTTP.send(HttpRequest.newBuilder(post, (name, value) -> true)
                    .uri(server.server().clientUrl().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
            for (String header : List.of("access-control-allow-origin", "access-control-allow-methods",
                    "access-control-allow-headers")) {
                assertEquals(real.headers().allValues(header), kvorum.headers().allValues(header), path + " " + header);
            }
        }
        HttpRequest options = HttpRequest.newBuilder(etcd.clientUrl().resolve("/v3/kv/put"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
        assertEquals(HTTP.send(options, HttpResponse.BodyHandlers.ofString()).statusCode(),
                HTTP.send(HttpRequest.newBuilder(options, (name, value) -> true)
                        .uri(server.server().clientUrl().resolve("/v3/kv/put")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    @Order(9)
    void theStreamsWorkOverAWebsocketAsEtcds() throws Exception {
        List<List<String>> answers = new ArrayList<>();
        for (ServerProcess target : List.of(etcd, server.server())) {
            List<String> got = new ArrayList<>();
            try (Socket watch = Socket.open(target, "/v3/watch")) {
                watch.send("{\"create_request\":{\"key\":\"d3M=\"}}");
                got.add(watch.next());
                post(target, "/v3/kv/put", "{\"key\":\"d3M=\",\"value\":\"MQ==\"}");
                got.add(watch.next());
                // a second watch on the same socket, a frame of its own; a value may span frames
                watch.send("{\"create_request\":");
                watch.send("{\"key\":\"d3My\"}}");
                got.add(watch.next());
                post(target, "/v3/kv/put", "{\"key\":\"d3My\",\"value\":\"Mg==\"}");
                got.add(watch.next());
            }
            try (Socket keepAlive = Socket.open(target, "/v3/lease/keepalive")) {
                keepAlive.send("{\"ID\":\"123\"}");
                got.add(keepAlive.next());
            }
            // a unary call answers its first request (the server then closes the socket: etcd's
            // proxy drops the connection, kvorum sends a close frame; when is not compared)
            try (Socket range = Socket.open(target, "/v3/kv/range")) {
                range.send("{\"key\":\"d3M=\"}");
                got.add(range.next());
            }
            // a first request that does not decode fails the call with the gateway's error
            try (Socket bad = Socket.open(target, "/v3/watch")) {
                bad.send("garbage");
                got.add(bad.next());
            }
            answers.add(got);
        }
        List<String> real = answers.get(0);
        List<String> kvorum = answers.get(1);
        assertEquals(real.size(), kvorum.size(), "etcd: " + real + "\nkvorum: " + kvorum);
        for (int i = 0; i < real.size(); i++) {
            String what = "message " + i + "\netcd:   " + real + "\nkvorum: " + kvorum;
            assertEquals(shape(real.get(i)), shape(kvorum.get(i)), what);
        }
    }

    /** A websocket to a gateway path: whole text messages in order, then "closed" once the server closes. */
    private static final class Socket implements WebSocket.Listener, AutoCloseable {
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Socket open(ServerProcess target, String path) {
            Socket s = new Socket();
            URI url = URI.create("ws://" + target.clientUrl().getAuthority() + path);
            s.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(url, s).join();
            return s;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        /** The next message, or "closed" when the server closed the socket; fails after 10 s. */
        String next() throws InterruptedException {
            String m = messages.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no websocket message within 10 s");
            }
            return m;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            messages.add("closed " + code);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            messages.add("closed " + error);
        }

        @Override
        public void close() {
            socket.abort();
        }
    }

    // ---- comparing

    private record Answer(int status, String body) {
    }

    /**
     * @param alsoVarying names of further fields whose values differ between the two; a name
     *                    written {@code -name} is a field left out of both before comparing
     */
    private static void assertSameAnswer(String path, String body, String... alsoVarying) {
        Answer real = post(etcd, path, body);
        Answer kvorum = post(server.server(), path, body);
        String what = "POST " + path + " " + body + "\netcd:   " + real + "\nkvorum: " + kvorum;
        assertEquals(real.status(), kvorum.status(), what);
        assertEquals(shape(real.body(), alsoVarying), shape(kvorum.body(), alsoVarying), what);
    }

    /** What a test does on a server while its stream is open, after each line read. */
    private interface Step {
        void afterLine(ServerProcess target, int lines);
    }

    /**
     * Opens the stream on each server, reads {@code lines} lines (calling {@code step} after each)
     * and compares them; a stream that ends by itself must end on both.
     */
    private static void assertSameStream(String path, String body, int lines, Step step) {
        List<String> real = readStream(etcd, path, body, lines, step);
        List<String> kvorum = readStream(server.server(), path, body, lines, step);
        String what = "POST " + path + " " + body + "\netcd:   " + real + "\nkvorum: " + kvorum;
        assertEquals(real.size(), kvorum.size(), what);
        for (int i = 0; i < real.size(); i++) {
            assertEquals(shape(real.get(i)), shape(kvorum.get(i)), what);
        }
    }

    private static List<String> readStream(ServerProcess target, String path, String body, int lines, Step step) {
        List<String> read = new ArrayList<>();
        try {
            HttpResponse<InputStream> response = HTTP.send(request(target, path, body),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode(), path + " on " + target);
            try (InputStream in = response.body();
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                while (read.size() < lines) {
                    String line = reader.readLine();
                    if (line == null) {
                        break;
                    }
                    read.add(line);
                    if (step != null) {
                        step.afterLine(target, read.size());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return read;
    }

    private static HttpRequest request(ServerProcess target, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.clientUrl().resolve(path))
                .timeout(Duration.ofSeconds(20));
        return (body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body))).build();
    }

    private static Answer post(ServerProcess target, String path, String body) {
        try {
            HttpResponse<String> response = HTTP.send(request(target, path, body), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JSON, fields in the order written, with every value that may differ between servers
     * replaced by its JSON type.
     */
    private static String shape(String body, String... alsoVarying) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
        Set<String> varying = Stream.concat(VARYING.stream(), Stream.of(alsoVarying)).collect(Collectors.toSet());
        if (tree instanceof ObjectNode object) {
            Stream.of(alsoVarying).filter(name -> name.startsWith("-")).forEach(name -> object.remove(name.substring(1)));
        }
        return shape(tree, false, varying).toString();
    }

    private static JsonNode shape(JsonNode node, boolean vary, Set<String> varying) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                out.set(field.getKey(), shape(field.getValue(), vary || varying.contains(field.getKey()), varying));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(element -> out.add(shape(element, vary, varying)));
            return out;
        }
        return vary ? JsonNodeFactory.instance.textNode("<" + node.getNodeType() + ">") : node;
    }

}
