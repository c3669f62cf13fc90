package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request path with {@code ..} on the client port, as Go's mux answers it: 301 to the cleaned path, on a
 * connection that stays open for the requests after it, pipelined or not, with or without a body, and the
 * request serves nothing.
 */
class DotDotPathsTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;

    private KvorumServer start(boolean enableV2) throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).enableV2(enableV2).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }

    @Test
    void pipelinedRequestsWithDotDotAreRedirectedInOrderAndChangeNothing() throws Exception {
        try (KvorumServer server = start(true);
             Socket socket = new Socket(server.clientUrls().get(0).getHost(), server.clientUrls().get(0).getPort())) {
            // all in one write: the first request of the connection is one of them
            String requests = "PUT /v2/keys/a/../b HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: 7\r\n\r\nvalue=1"
                    + "GET /v2/keys/%2e%2e/x?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /v3/kv/../kv/put HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "14\r\n{\"key\":\"YQ==\",\"val\":\r\n7\r\n\"YQ==\"}\r\n0\r\n\r\n"
                    + "HEAD /health/.. HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /v2/keys/b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{\"key\":\"YQ==\"}";
            OutputStream out = socket.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answers = readAll(socket.getInputStream());

            List<String> statusLines = answers.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
            assertEquals(List.of("HTTP/1.1 301 Moved Permanently", "HTTP/1.1 301 Moved Permanently",
                    "HTTP/1.1 301 Moved Permanently", "HTTP/1.1 301 Moved Permanently", "HTTP/1.1 404 Not Found",
                    "HTTP/1.1 200 OK"), statusLines, answers);
            List<String> locations = answers.lines().filter(l -> l.toLowerCase().startsWith("location: ")).toList();
            assertEquals(List.of("location: /v2/keys/b", "location: /v2/x?a=1", "location: /v3/kv/put", "location: /"),
                    locations.stream().map(String::toLowerCase).toList(), answers);
            assertTrue(answers.contains("<a href=\"/v2/x?a=1\">Moved Permanently</a>.\n\n"), answers);
            assertTrue(answers.contains("\"errorCode\":100"), answers); // /v2/keys/b was never written
            assertTrue(!answers.contains("\"kvs\""), answers); // nor was the v3 key a
        }
    }

    @Test
    void withoutV2TheRouteItselfIsNotFound() throws Exception {
        try (KvorumServer server = start(false);
             Socket socket = new Socket(server.clientUrls().get(0).getHost(), server.clientUrls().get(0).getPort())) {
            socket.getOutputStream().write(("GET /v2/keys/.. HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /kvorum.v2http/dot-dot?L2E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answers = readAll(socket.getInputStream());
            List<String> statusLines = answers.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
            assertEquals(List.of("HTTP/1.1 301 Moved Permanently", "HTTP/1.1 404 Not Found"), statusLines, answers);
            assertTrue(answers.toLowerCase().contains("location: /v2\r\n"), answers);
        }
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.UTF_8);
    }
}
