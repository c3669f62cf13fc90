package io.kvorum.launcher.discovery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * etcd's v2 keys API over HTTP, as etcd's v2 client calls it for discovery: {@code GET} a key,
 * {@code PUT ?prevExist=false} to create one, {@code GET ?wait=true&waitIndex=} to wait for a
 * change. Keys are full paths on the endpoint (the discovery URL's path, e.g.
 * {@code /v2/keys/discovery/<token>}), as etcd's client with an empty prefix sends them.
 *
 * <p>Answers are read up to {@value #MAX_BODY} bytes: a discovery directory holds a few entries.
 */
final class V2KeysClient implements KeysApi {
    /** etcd's client.DefaultRequestTimeout, for reads and the registration. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** etcd's discovery transport dials for 30 s. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_BODY = 1 << 20;
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpClient http;
    private final URI endpoint;

    /**
     * @param endpoint the discovery URL's scheme and authority
     * @param proxy    {@code --discovery-proxy}: the HTTP proxy to go through, if any
     */
    V2KeysClient(URI endpoint, Optional<ProxySelector> proxy) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1);
        proxy.ifPresent(builder::proxy);
        this.http = builder.build();
        this.endpoint = endpoint;
    }

    @Override
    public Read get(String key) throws KeysError, Unavailable, InvalidJson {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri(key, "quorum=false&recursive=false&sorted=false"))
                .timeout(REQUEST_TIMEOUT).GET().build());
        Node node = node(response);
        long index = response.headers().firstValue("X-Etcd-Index").map(V2KeysClient::index).orElse(0L);
        return new Read(node, index);
    }

    @Override
    public Node create(String key, String value) throws KeysError, Unavailable, InvalidJson {
        String form = "value=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
        return node(send(HttpRequest.newBuilder(uri(key, "prevExist=false")).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString(form)).build()));
    }

    @Override
    public Node waitChange(String key, long afterIndex, boolean recursive) throws KeysError, Unavailable, InvalidJson {
        // no timeout: the service answers when the change comes, as etcd's watcher waits
        return node(send(HttpRequest.newBuilder(uri(key, "wait=true&waitIndex=" + Long.toUnsignedString(afterIndex + 1)
                + "&recursive=" + recursive)).GET().build()));
    }

    private URI uri(String key, String query) {
        return URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + escapePath(key) + "?" + query);
    }

    /** Escapes what a path may not hold as is; the key's slashes stay. */
    private static String escapePath(String key) {
        java.util.StringJoiner path = new java.util.StringJoiner("/");
        for (String part : key.split("/", -1)) {
            path.add(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return path.toString();
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws Unavailable {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new Unavailable(request.uri() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new Unavailable(request.uri() + ": " + Optional.ofNullable(e.getMessage()).orElse(e.toString()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable(request.uri() + ": interrupted", e);
        }
        if (response.statusCode() / 100 == 5) {
            throw new Unavailable("etcd member " + endpoint + " returns server error [" + response.statusCode() + "]", null);
        }
        return response;
    }

    /** The node of a success; the v2 error of a failure. */
    private static Node node(HttpResponse<byte[]> response) throws KeysError, InvalidJson {
        byte[] body = response.body();
        if (body.length > MAX_BODY) {
            throw new InvalidJson(new IOException("answer of " + body.length + " bytes"));
        }
        int status = response.statusCode();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Node node = null;
            int code = 0;
            String message = "";
            String cause = "";
            long index = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "node" -> node = readNode(p, value);
                    case "errorCode" -> code = p.getIntValue();
                    case "message" -> message = p.getValueAsString("");
                    case "cause" -> cause = p.getValueAsString("");
                    case "index" -> index = p.getValueAsLong();
                    default -> p.skipChildren();
                }
            }
            if (status / 100 == 2 && node != null) {
                return node;
            }
            if (code != 0) {
                throw new KeysError(code, message, cause, index);
            }
            throw new InvalidJson(new IOException("HTTP " + status + " without a node or an error"));
        } catch (IOException | RuntimeException e) {
            throw new InvalidJson(e);
        }
    }

    private static Node readNode(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        String key = "";
        String value = null;
        long created = 0;
        long modified = 0;
        List<Node> nodes = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken token = p.nextToken();
            switch (field) {
                case "key" -> key = p.getValueAsString("");
                case "value" -> value = p.getValueAsString();
                case "createdIndex" -> created = p.getValueAsLong();
                case "modifiedIndex" -> modified = p.getValueAsLong();
                case "nodes" -> {
                    if (token == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            nodes.add(readNode(p, JsonToken.START_OBJECT));
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Node(key, value, created, modified, nodes);
    }

    private static void expect(JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) {
            throw new IOException("expected " + wanted + ", got " + got);
        }
    }

    private static long index(String header) {
        try {
            return Long.parseUnsignedLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
