package io.kvorum.launcher.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The v2 keys client's requests and its reading of answers, against canned HTTP answers. */
class V2KeysClientTest {

    /** Answers each connection's one request with the next canned answer; records the requests. */
    private static final class CannedHttp implements AutoCloseable {
        final ServerSocket socket;
        final BlockingQueue<String> answers = new ArrayBlockingQueue<>(10);
        final List<String> requests = Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        CannedHttp() throws IOException {
            socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "canned-http");
            thread.setDaemon(true);
            thread.start();
        }

        CannedHttp answer(int status, String etcdIndex, String body) {
            answers.add("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n"
                    + (etcdIndex.isEmpty() ? "" : "X-Etcd-Index: " + etcdIndex + "\r\n")
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body);
            return this;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    requests.add(readRequest(s.getInputStream()));
                    OutputStream out = s.getOutputStream();
                    out.write(answers.take().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        /** The request line, the Content-Type header and the body. */
        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            String[] lines = head.toString(StandardCharsets.UTF_8).split("\r\n");
            int length = 0;
            String type = "";
            for (String line : lines) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                } else if (lower.startsWith("content-type:")) {
                    type = line.substring(13).trim();
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return lines[0] + (type.isEmpty() ? "" : " [" + type + "]") + (body.isEmpty() ? "" : " " + body);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private final List<CannedHttp> servers = new ArrayList<>();

    private CannedHttp server() throws IOException {
        CannedHttp server = new CannedHttp();
        servers.add(server);
        return server;
    }

    @AfterEach
    void close() throws IOException {
        for (CannedHttp s : servers) {
            s.close();
        }
    }

    @Test
    void aDirectoryIsReadWithItsChildrenAndTheStoreIndex() throws Exception {
        CannedHttp http = server().answer(200, "9", """
                {"action":"get","node":{"key":"/d/t","dir":true,"nodes":[
                {"key":"/d/t/_config","dir":true,"modifiedIndex":1,"createdIndex":1},
                {"key":"/d/t/52aca6a857eb3e22","value":"m1=http://10.0.0.1:2380","modifiedIndex":3,"createdIndex":3}],
                "modifiedIndex":1,"createdIndex":1}}""");

        KeysApi.Read read = new V2KeysClient(http.url(), Optional.empty()).get("/v2/keys/d/t");

        assertEquals(9, read.index());
        assertEquals(2, read.node().nodes().size());
        assertEquals("52aca6a857eb3e22", read.node().nodes().get(1).baseName());
        assertEquals("m1=http://10.0.0.1:2380", read.node().nodes().get(1).value());
        assertEquals(3, read.node().nodes().get(1).createdIndex());
        assertEquals("GET /v2/keys/d/t?quorum=false&recursive=false&sorted=false HTTP/1.1", http.requests.get(0));
    }

    @Test
    void aRegistrationIsACreateAndAWaitAsksFromTheNextIndex() throws Exception {
        CannedHttp http = server()
                .answer(201, "4", "{\"action\":\"create\",\"node\":{\"key\":\"/d/t/1\",\"value\":\"m1=http://10.0.0.1:2380\","
                        + "\"modifiedIndex\":4,\"createdIndex\":4}}")
                .answer(200, "5", "{\"action\":\"create\",\"node\":{\"key\":\"/d/t/2\",\"value\":\"m2=http://10.0.0.2:2380\","
                        + "\"modifiedIndex\":5,\"createdIndex\":5}}");
        V2KeysClient client = new V2KeysClient(http.url(), Optional.empty());

        assertEquals(4, client.create("/v2/keys/d/t/1", "m1=http://10.0.0.1:2380").createdIndex());
        assertEquals("/d/t/2", client.waitChange("/v2/keys/d/t", 4, true).key());

        assertEquals("PUT /v2/keys/d/t/1?prevExist=false HTTP/1.1 [application/x-www-form-urlencoded]"
                + " value=m1%3Dhttp%3A%2F%2F10.0.0.1%3A2380", http.requests.get(0));
        assertEquals("GET /v2/keys/d/t?wait=true&waitIndex=5&recursive=true HTTP/1.1", http.requests.get(1));
    }

    @Test
    void theV2ErrorIsPrintedAsEtcdsClientPrintsIt() throws Exception {
        CannedHttp http = server().answer(404, "12",
                "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/d\",\"index\":12}");

        KeysApi.KeysError e = assertThrows(KeysApi.KeysError.class,
                () -> new V2KeysClient(http.url(), Optional.empty()).get("/v2/keys/d/t/_config/size"));

        assertEquals(KeysApi.KeysError.KEY_NOT_FOUND, e.code());
        assertEquals("100: Key not found (/d) [12]", e.getMessage());
    }

    @Test
    void aServerErrorIsUnavailableAndAnHtmlPageIsInvalidJson() throws Exception {
        CannedHttp http = server().answer(503, "", "").answer(200, "", "<html>hello</html>");
        V2KeysClient client = new V2KeysClient(http.url(), Optional.empty());

        assertThrows(KeysApi.Unavailable.class, () -> client.get("/v2/keys/d"));
        assertEquals(KeysApi.InvalidJson.TEXT, assertThrows(KeysApi.InvalidJson.class, () -> client.get("/v2/keys/d"))
                .getMessage());
    }

    @Test
    void theDiscoveryProxyCarriesTheRequests() throws Exception {
        CannedHttp proxy = server().answer(200, "2",
                "{\"action\":\"get\",\"node\":{\"key\":\"/d/t/_config/size\",\"value\":\"3\",\"modifiedIndex\":2,\"createdIndex\":2}}");

        KeysApi.Read read = new V2KeysClient(URI.create("http://discovery.invalid:2379"),
                Bootstrap.proxy("127.0.0.1:" + proxy.socket.getLocalPort())).get("/v2/keys/d/t/_config/size");

        assertEquals("3", read.node().value());
        assertTrue(proxy.requests.get(0).startsWith("GET http://discovery.invalid:2379/v2/keys/d/t/_config/size?"),
                proxy.requests.get(0));
    }
}
