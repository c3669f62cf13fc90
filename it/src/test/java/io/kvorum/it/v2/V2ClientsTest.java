package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What else v2 clients do against one member with {@code --enable-v2}, step by step against real
 * etcd 3.4 and kvorum at the same time: paths that are not clean, also with {@code ..} (Go's mux
 * redirects them and serves nothing), a write over {@code --max-request-bytes}, {@code /v2/stats/self} and
 * {@code /v2/stats/leader}, and {@code etcdctl exec-watch}. What a client sees must be equal apart from indexes, times and ids.
 */
class V2ClientsTest {

    @Test
    void uncleanPathsStatsAndExecWatchAnswerAsRealEtcdDoes() {
        compare("v2-clients", List.of("--enable-v2"), V2ClientsTest::run);
    }

    /** Runs {@code steps} on a fresh etcd and a fresh kvorum started with {@code flags}; their transcripts must match. */
    static void compare(String label, List<String> flags, BiFunction<ServerProcess, Path, List<String>> steps) {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        Assumptions.assumeTrue(etcdctl != null && Binaries.etcd().isPresent(),
                "needs etcd and etcdctl (Debian packages etcd-server, etcd-client) as the oracle");
        ServerSpec etcdSpec = ServerSpec.fresh(label + "-etcd", flags.toArray(String[]::new));
        ServerSpec kvorumSpec = ServerSpec.fresh(label + "-kvorum", flags.toArray(String[]::new));
        try {
            CompletableFuture<List<String>> oracle = CompletableFuture.supplyAsync(() -> {
                try (ServerProcess etcd = EtcdProcess.start(etcdSpec)) {
                    return steps.apply(etcd, etcdctl);
                }
            });
            List<String> actual;
            try (ServerProcess kvorum = KvorumProcess.start(kvorumSpec)) {
                actual = steps.apply(kvorum, etcdctl);
            }
            assertSameSteps(oracle.join(), actual);
        } finally {
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    static void assertSameSteps(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), "step " + (i + 1));
        }
        assertEquals(expected.size(), actual.size());
    }

    private static List<String> run(ServerProcess server, Path etcdctl) {
        V2Steps s = new V2Steps(server.clientUrl(), etcdctl);
        s.http("PUT", "/v2/keys/r/k", "value=1");
        // Go's mux: a path that is not clean is redirected to the clean one, the query kept, and nothing is done
        s.httpRaw("GET", "/v2/keys//r/k", null);
        s.httpRaw("GET", "/v2/keys/r/./k?recursive=true&sorted=true", null);
        s.httpRaw("HEAD", "/v2/keys//r/k", null);
        s.httpRaw("PUT", "/v2/keys//r/k", "value=2");
        s.httpRaw("PUT", "/v2/keys/r/k/.?prevExist=true", "value=3");
        s.httpRaw("DELETE", "/v2/keys/r/k/.", null);
        s.httpRaw("POST", "/v2/keys/r/%2e/q", "value=4");
        s.httpRaw("GET", "/v2/keys/r/%2F/k", null);
        s.httpRaw("GET", "/v2/keys/r/", null);
        s.httpRaw("GET", "/v2//members", null);
        s.httpRaw("GET", "/v2/stats/./self/", null);
        s.httpRaw("GET", "/v2/nothing//here", null);
        // a .. segment, escaped or not, on any path (Armeria itself would refuse the request target)
        s.httpRaw("GET", "/v2/keys/r/../r/k", null);
        s.httpRaw("HEAD", "/v2/keys/r/%2e%2e/r/k?quorum=true", null);
        s.httpRaw("PUT", "/v2/keys/r/x/../k", "value=5");
        s.httpRaw("PUT", "/v2/keys/r/%2E./n?dir=true", null);
        s.httpRaw("DELETE", "/v2/keys/r/k/..", null);
        s.httpRaw("DELETE", "/v2/keys/r/..%2fr/k?recursive=true", null);
        s.httpRaw("POST", "/v2/keys/../v2/keys/r", "value=6");
        s.httpRaw("GET", "/v2/..", null);
        s.httpRaw("GET", "/health/..", null);
        s.httpRaw("POST", "/v3/kv/../kv/put", "{\"key\":\"YQ==\",\"value\":\"YQ==\"}");
        s.httpRaw("GET", "/..?x=1", null);
        s.http("GET", "/v2/keys/r?recursive=true", null);
        // a v2 write over --max-request-bytes (1.5 MiB) but under the form limit (10 MiB) is taken, as etcd 3.4 takes it
        byte[] big = new byte[(2 << 20) + 6];
        Arrays.fill(big, (byte) 'a');
        System.arraycopy("value=".getBytes(StandardCharsets.US_ASCII), 0, big, 0, 6);
        s.httpBody("PUT", "/v2/keys/big", big, "value=<2 MiB>");
        s.http("HEAD", "/v2/keys/big", null);
        // the member's own figures, and the leader's followers (none)
        s.http("GET", "/v2/stats/self", null);
        s.http("GET", "/v2/stats/leader", null);
        s.http("PUT", "/v2/stats/self", "x=1");
        s.http("DELETE", "/v2/stats/leader", null);
        // exec-watch runs the command for each change of a file (a directory's change is only noted)
        long before = s.index();
        Path output = tempFile();
        Process execWatch = s.startRunning(output, "exec-watch", "--after-index", Long.toString(before), "--recursive", "/x", "--",
                "sh", "-c", "echo \"$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE\"");
        s.http("PUT", "/v2/keys/x/a", "value=1");
        s.http("PUT", "/v2/keys/x/d?dir=true", null);
        s.http("PUT", "/v2/keys/x/a?prevValue=1", "value=2");
        s.http("DELETE", "/v2/keys/x/a", null);
        s.http("PUT", "/v2/keys/x/d/b", "value=3");
        s.awaitRunning("exec-watch --after-index <n> --recursive /x -- sh -c ...", execWatch, output, 5);
        Process single = s.startRunning(output, "exec-watch", "--after-index", Long.toString(s.index()), "/x/d/b", "sh", "-c",
                "echo \"$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE\"");
        s.http("PUT", "/v2/keys/x/d/b", "value=4");
        s.awaitRunning("exec-watch --after-index <n> /x/d/b sh -c ...", single, output, 1);
        s.etcdctl("exec-watch", "/x");
        return s.transcript();
    }

    private static Path tempFile() {
        try {
            Path file = Files.createTempFile("exec-watch", ".out");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
