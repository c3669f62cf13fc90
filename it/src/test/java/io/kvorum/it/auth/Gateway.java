package io.kvorum.it.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** JSON calls to etcd's gateway ({@code POST /v3/...}), with an {@code Authorization} token or without. */
final class Gateway {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** One answer: its HTTP status and JSON body. */
    record Answer(int status, JsonNode body) {
    }

    private Gateway() {
    }

    static Answer post(URI server, String path, String token, String json) {
        HttpRequest.Builder req = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            req.header("Authorization", token);
        }
        try {
            HttpResponse<String> resp = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(resp.statusCode(), JSON.readTree(resp.body()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String authenticate(URI server, String user, String password) {
        Answer a = post(server, "/v3/auth/authenticate", null,
                "{\"name\":\"" + user + "\",\"password\":\"" + password + "\"}");
        if (a.status() != 200 || !a.body().hasNonNull("token")) {
            throw new AssertionError("authenticate " + user + " at " + server + ": " + a);
        }
        return a.body().get("token").asText();
    }

    static Answer put(URI server, String token, String key, String value) {
        return post(server, "/v3/kv/put", token, "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
    }

    static Answer range(URI server, String token, String key) {
        return post(server, "/v3/kv/range", token, "{\"key\":\"" + b64(key) + "\"}");
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The claims of a JWT, read without checking its signature. */
    static JsonNode claims(String jwt) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
