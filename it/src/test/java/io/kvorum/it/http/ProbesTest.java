package io.kvorum.it.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.server.ServerExtension;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code /livez} and {@code /readyz} as etcd 3.5.11 serves them (the etcd installed as oracle,
 * 3.4, has neither, so this runs against kvorum only), and {@code /health?serializable=true}.
 */
class ProbesTest {
    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void onlyKvorum() {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "etcd 3.4 has no /livez nor /readyz");
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(server.server().clientUrl().resolve(path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aServingMemberIsLiveAndReady() throws Exception {
        HttpResponse<String> livez = get("/livez");
        HttpResponse<String> readyz = get("/readyz");

        assertEquals(200, livez.statusCode());
        assertEquals("ok\n", livez.body());
        assertEquals("text/plain; charset=utf-8", livez.headers().firstValue("content-type").orElse(""));
        assertEquals("nosniff", livez.headers().firstValue("x-content-type-options").orElse(""));
        assertEquals(200, readyz.statusCode());
        assertEquals("ok\n", readyz.body());
    }

    @Test
    void verboseListsEachCheckAndExcludeSkipsOne() throws Exception {
        assertEquals("[+]serializable_read ok\nok\n", get("/livez?verbose").body());
        assertEquals("[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n",
                get("/readyz?verbose").body());
        assertEquals("[+]data_corruption ok\n[+]non_learner ok\nok\n",
                get("/readyz?verbose&exclude=serializable_read&exclude=linearizable_read").body());
    }

    @Test
    void aSubPathRunsOneCheck() throws Exception {
        HttpResponse<String> one = get("/readyz/linearizable_read?verbose");

        assertEquals(200, one.statusCode());
        assertEquals("[+]linearizable_read ok\nok\n", one.body());
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(server.server().clientUrl().resolve("/livez"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("allow").orElse(""));
    }

    @Test
    void healthTakesSerializable() throws Exception {
        HttpResponse<String> health = get("/health?serializable=true");

        assertEquals(200, health.statusCode());
        assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health.body());
    }
}
