package io.kvorum.launcher.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * What the proxy's listeners answer, as etcd's proxy mux: {@code /v2/config/local/proxy} (GET: the
 * available endpoints), everything else forwarded; in readonly mode every request but a GET is
 * refused first with etcd's bare 501.
 */
final class ProxyRoutes implements HttpHandler {
    static final String CONFIG_PATH = "/v2/config/local/proxy";

    private final Director director;
    private final HttpHandler forward;
    private final boolean readonly;

    ProxyRoutes(Director director, HttpHandler forward, boolean readonly) {
        this.director = director;
        this.forward = forward;
        this.readonly = readonly;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (readonly && !exchange.getRequestMethod().equals("GET")) {
            try (exchange) {
                exchange.getRequestBody().close();
                // etcd's readonly proxy: the status alone, no body
                exchange.sendResponseHeaders(501, -1);
            }
            return;
        }
        if (exchange.getRequestURI().getRawPath().equals(CONFIG_PATH)) {
            try (exchange) {
                config(exchange);
            }
            return;
        }
        forward.handle(exchange);
    }

    private void config(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            // Go's http.Error
            byte[] text = "Method Not Allowed\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Allow", "GET");
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(405, text.length);
            exchange.getResponseBody().write(text);
            return;
        }
        String urls = director.endpoints().stream().map(e -> ReverseProxy.jsonString(e.url().toString()))
                .collect(Collectors.joining(","));
        byte[] json = ("{\"endpoints\":[" + urls + "]}\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, json.length);
        exchange.getResponseBody().write(json);
    }
}
