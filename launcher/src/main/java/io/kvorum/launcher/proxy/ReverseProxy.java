package io.kvorum.launcher.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one client request as etcd's proxy does: the body read whole, hop-by-hop headers
 * removed, {@code X-Forwarded-For} added, then sent to each available endpoint in turn until one
 * answers; an endpoint that cannot be reached is marked failed. The answer goes back with its
 * status and headers (hop-by-hop ones removed), its body streamed as it comes (watches).
 * etcd's answers when there is no endpoint (503) or none answered (502) are JSON
 * {@code {"message":"httpproxy: ..."}}.
 */
final class ReverseProxy implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReverseProxy.class);
    /** Go's httputil.ReverseProxy list, as etcd's proxy removes them both ways. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade");
    /** Headers the JDK's client sets itself and refuses from the caller. */
    private static final Set<String> SET_BY_CLIENT = Set.of("content-length", "expect", "host", "date", "via", "warning");
    /** etcd reads the whole body; kvorum bounds it, as a v2 request is never near this size. */
    static final int MAX_BODY_BYTES = 64 << 20;

    private final Director director;
    private final HttpClient http;
    private final Duration readTimeout;

    ReverseProxy(Director director, HttpClient http, Duration readTimeout) {
        this.director = director;
        this.http = http;
        this.readTimeout = readTimeout;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            forward(exchange);
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        byte[] body;
        try {
            body = readBody(exchange.getRequestBody());
        } catch (IOException e) {
            String msg = "failed to read request body: " + e.getMessage();
            LOG.warn(msg);
            writeError(exchange, 500, "httpproxy: " + msg);
            return;
        }
        List<Endpoint> endpoints = director.endpoints();
        if (endpoints.isEmpty()) {
            LOG.warn("zero endpoints currently available");
            writeError(exchange, 503, "httpproxy: zero endpoints currently available");
            return;
        }
        String pathAndQuery = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        HttpResponse<InputStream> answer = null;
        for (Endpoint endpoint : endpoints) {
            try {
                answer = http.send(request(exchange, endpoint.url(), pathAndQuery, body),
                        HttpResponse.BodyHandlers.ofInputStream());
                break;
            } catch (IOException | IllegalArgumentException e) {
                LOG.atWarn().setMessage("failed to direct request").addKeyValue("endpoint", endpoint.url().toString())
                        .addKeyValue("error", String.valueOf(e)).log();
                endpoint.failed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (answer == null) {
            String msg = "unable to get response from " + endpoints.size() + " endpoint(s)";
            LOG.warn(msg);
            writeError(exchange, 502, "httpproxy: " + msg);
            return;
        }
        relay(exchange, answer);
    }

    private HttpRequest request(HttpExchange exchange, URI endpoint, String pathAndQuery, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.getScheme() + "://"
                + endpoint.getRawAuthority() + pathAndQuery));
        if (!readTimeout.isZero()) {
            b.timeout(readTimeout);
        }
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || SET_BY_CLIENT.contains(name) || name.equals("x-forwarded-for")) {
                continue;
            }
            for (String v : h.getValue()) {
                b.header(h.getKey(), v);
            }
        }
        b.header("X-Forwarded-For", forwardedFor(exchange));
        String method = exchange.getRequestMethod();
        HttpRequest.BodyPublisher publisher = body.length == 0 && (method.equals("GET") || method.equals("HEAD"))
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
        return b.method(method, publisher).build();
    }

    /** The client's address after any earlier proxies' ones, folded into one header, as Go's reverse proxy. */
    static String forwardedFor(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        String client = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
        List<String> prior = exchange.getRequestHeaders().get("X-Forwarded-For");
        return prior == null || prior.isEmpty() ? client : String.join(", ", prior) + ", " + client;
    }

    private static void relay(HttpExchange exchange, HttpResponse<InputStream> answer) throws IOException {
        try (InputStream in = answer.body()) {
            Headers out = exchange.getResponseHeaders();
            answer.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!HOP_BY_HOP.contains(lower) && !lower.equals("content-length") && !lower.startsWith(":")) {
                    out.put(name, values);
                }
            });
            long length = answer.headers().firstValueAsLong("content-length").orElse(-1);
            int status = answer.statusCode();
            boolean noBody = exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304
                    || (status >= 100 && status < 200);
            // the JDK's server: -1 for no body, 0 for a chunked one
            exchange.sendResponseHeaders(status, noBody || length == 0 ? -1 : length > 0 ? length : 0);
            if (noBody) {
                return;
            }
            OutputStream body = exchange.getResponseBody();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                body.write(buffer, 0, n);
                // a watch's events reach the client as the member sends them
                body.flush();
            }
        }
    }

    static byte[] readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new IOException("http: request body too large");
        }
        return bytes;
    }

    /** etcd's HTTPError: JSON {@code {"message":...}} with its status. */
    static void writeError(HttpExchange exchange, int status, String message) throws IOException {
        byte[] json = ("{\"message\":" + jsonString(message) + "}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        exchange.getResponseBody().write(json);
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
