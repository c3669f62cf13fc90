package io.kvorum.it.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.server.ServerExtension;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --enable-grpc-gateway=false}: no {@code /v3/...} on the client port; {@code /health} stays. */
class GatewayFlagTest {
    @RegisterExtension
    static final ServerExtension server = ServerExtension.withFlags("--enable-grpc-gateway=false");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutTheGatewayV3PathsAreNotFound() throws Exception {
        HttpResponse<String> put = send(HttpRequest.newBuilder(server.server().clientUrl().resolve("/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\",\"value\":\"YmFy\"}")));
        HttpResponse<String> health = send(HttpRequest.newBuilder(server.server().clientUrl().resolve("/health")));

        assertEquals(404, put.statusCode(), put.body());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"health\":\"true\""), health.body());
    }
}
