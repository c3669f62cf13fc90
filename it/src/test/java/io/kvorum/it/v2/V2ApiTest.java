package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * etcd's v2 API with {@code --enable-v2}: the requests of etcd's v2 API guide, bad input, and
 * {@code ETCDCTL_API=2 etcdctl}, run step by step against real etcd 3.4 and kvorum at the same
 * time; what a client sees (statuses, headers, bodies, how the store index moved, etcdctl's
 * output) must be equal apart from indexes, times and ids.
 */
class V2ApiTest {

    @Test
    void theV2ApiAnswersAsRealEtcdDoes() {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        Assumptions.assumeTrue(etcdctl != null && Binaries.etcd().isPresent(),
                "needs etcd and etcdctl (Debian packages etcd-server, etcd-client) as the oracle");
        ServerSpec etcdSpec = ServerSpec.fresh("v2-etcd", "--enable-v2");
        ServerSpec kvorumSpec = ServerSpec.fresh("v2-kvorum", "--enable-v2");
        try {
            CompletableFuture<List<String>> oracle = CompletableFuture.supplyAsync(() -> {
                try (ServerProcess etcd = EtcdProcess.start(etcdSpec)) {
                    return run(etcd, etcdctl);
                }
            });
            List<String> actual;
            try (ServerProcess kvorum = KvorumProcess.start(kvorumSpec)) {
                actual = run(kvorum, etcdctl);
            }
            List<String> expected = oracle.join();
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                assertEquals(expected.get(i), actual.get(i), "step " + (i + 1));
            }
            assertEquals(expected.size(), actual.size());
        } finally {
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    @Test
    void withoutEnableV2TheV2PathsAreNotFound() {
        ServerSpec spec = ServerSpec.fresh("v2-off");
        try (ServerProcess kvorum = KvorumProcess.start(spec)) {
            V2Steps steps = new V2Steps(kvorum.clientUrl(), Path.of("etcdctl"));
            steps.http("GET", "/v2/keys/foo", null);
            steps.http("PUT", "/v2/keys/foo", "value=bar");
            steps.http("GET", "/v2/members", null);
            assertEquals(List.of(
                    "GET /v2/keys/foo -> 404 text/plain; charset=utf-8 []\n404 page not found\n",
                    "PUT /v2/keys/foo <- value=bar -> 404 text/plain; charset=utf-8 []\n404 page not found\n",
                    "GET /v2/members -> 404 text/plain; charset=utf-8 []\n404 page not found\n"),
                    steps.transcript());
        } finally {
            spec.deleteData();
        }
    }

    private static List<String> run(ServerProcess server, Path etcdctl) {
        V2Steps s = new V2Steps(server.clientUrl(), etcdctl);
        // etcd's v2 API guide
        s.http("PUT", "/v2/keys/message", "value=Hello+world");
        s.http("GET", "/v2/keys/message", null);
        s.http("PUT", "/v2/keys/message", "value=Hello+etcd");
        s.http("GET", "/v2/keys/missing", null);
        s.http("DELETE", "/v2/keys/message", null);
        s.http("PUT", "/v2/keys/foo", "value=bar&ttl=100");
        s.http("PUT", "/v2/keys/foo", "ttl=200&refresh=true&prevExist=true");
        s.http("PUT", "/v2/keys/foo", "value=again&ttl=");
        s.http("POST", "/v2/keys/queue", "value=Job1");
        s.http("POST", "/v2/keys/queue", "value=Job2");
        s.http("GET", "/v2/keys/queue?recursive=true&sorted=true", null);
        s.http("PUT", "/v2/keys/dir?dir=true", "ttl=100");
        s.http("PUT", "/v2/keys/dir", "ttl=&dir=true&prevExist=true");
        s.http("PUT", "/v2/keys/cas", "value=one");
        s.http("PUT", "/v2/keys/cas?prevExist=false", "value=three");
        s.http("PUT", "/v2/keys/cas?prevValue=two", "value=three");
        s.http("PUT", "/v2/keys/cas?prevIndex=1", "value=three");
        s.http("PUT", "/v2/keys/cas?prevValue=one", "value=two");
        s.http("DELETE", "/v2/keys/cas?prevValue=one", null);
        s.http("DELETE", "/v2/keys/cas?prevIndex=1", null);
        s.http("DELETE", "/v2/keys/cas?prevValue=two", null);
        s.http("PUT", "/v2/keys/upd?prevExist=true", "value=x");
        s.http("PUT", "/v2/keys/d2/a", "value=1");
        s.http("PUT", "/v2/keys/d2/_hidden", "value=h");
        s.http("PUT", "/v2/keys/d2/b/c", "value=2");
        s.http("GET", "/v2/keys/d2?recursive=true&sorted=true", null);
        s.http("GET", "/v2/keys/d2/_hidden", null);
        s.http("GET", "/v2/keys/d2?quorum=true&sorted=true", null);
        s.http("DELETE", "/v2/keys/d2", null);
        s.http("DELETE", "/v2/keys/d2?dir=true", null);
        s.http("DELETE", "/v2/keys/d2?recursive=true", null);
        s.http("DELETE", "/v2/keys/dir?dir=true", null);
        s.http("HEAD", "/v2/keys/foo", null);
        s.http("GET", "/v2/machines", null);
        s.http("GET", "/v2/members", null);
        s.http("GET", "/v2/members/nobody", null);
        s.http("GET", "/v2/stats/nothing", null);
        // membership changes refused: etcd's status and message, and the members stay
        s.httpTyped("POST", "/v2/members", "{\"peerURLs\":[\"http://127.0.0.1:1\"]}", "text/plain");
        s.httpTyped("POST", "/v2/members", "{\"peerURLs\":[\"ftp://127.0.0.1:1\"]}", "application/json");
        s.httpTyped("POST", "/v2/members", "{\"peerURLs\":[\"http://127.0.0.1\"]}", "application/json; charset=utf-8");
        s.httpTyped("POST", "/v2/members", "{\"peerURLs\":[\"http://127.0.0.1:1/path\"]}", "application/json");
        s.httpTyped("POST", "/v2/members", "{\"peerURLs\":[]}", "application/json");
        s.http("DELETE", "/v2/members/1234", null);
        s.http("DELETE", "/v2/members/xyz", null);
        s.http("DELETE", "/v2/members", null);
        s.httpTyped("PUT", "/v2/members/1234", "{\"peerURLs\":[\"http://127.0.0.1:1\"]}", "application/json");
        s.etcdctl("member", "list");
        // bad input: etcd's error, and the store index does not move
        s.http("PUT", "/v2/keys/vdir?dir=true", null);
        s.http("PUT", "/v2/keys/vdir", "value=x");
        s.http("PUT", "/v2/keys/vdir/x/y", "value=x");
        s.http("PUT", "/v2/keys/foo/below", "value=x");
        s.http("PUT", "/v2/keys/t", "value=x&ttl=abc");
        s.http("PUT", "/v2/keys/t", "value=x&ttl=-1");
        s.http("PUT", "/v2/keys/t?prevIndex=x", "value=x");
        s.http("PUT", "/v2/keys/t?prevValue=", "value=x");
        s.http("PUT", "/v2/keys/t?dir=maybe", "value=x");
        s.http("PUT", "/v2/keys/t?prevExist=perhaps", "value=x");
        s.http("PUT", "/v2/keys/foo?refresh=true", "value=x&ttl=5");
        s.http("PUT", "/v2/keys/foo?refresh=true", "");
        s.http("PUT", "/v2/keys/t?wait=true", "value=x");
        s.http("PUT", "/v2/keys/t", "value=%zz");
        s.http("PUT", "/v2/keys/", "value=x");
        s.http("DELETE", "/v2/keys/?recursive=true", null);
        s.http("PATCH", "/v2/keys/t", "value=x");
        s.http("GET", "/v2/keys/t", null);
        byte[] big = new byte[(10 << 20) + 10];
        Arrays.fill(big, (byte) 'a');
        System.arraycopy("value=".getBytes(), 0, big, 0, 6);
        s.httpBody("PUT", "/v2/keys/big", big, "value=<10 MiB>");
        s.http("GET", "/v2/keys/big", null);
        // watches: from history, long-poll, recursive, and the cleared index
        long before = s.index();
        CompletableFuture<HttpResponse<String>> exact = s.startWatch("/v2/keys/w?wait=true&waitIndex=" + (before + 1));
        CompletableFuture<HttpResponse<String>> recursive =
                s.startWatch("/v2/keys/wd?wait=true&recursive=true&waitIndex=" + (before + 2));
        CompletableFuture<String> etcdctlWatch = s.startEtcdctl("watch", "--after-index", Long.toString(before + 2),
                "--recursive", "/wd");
        s.http("PUT", "/v2/keys/w", "value=1");
        s.http("PUT", "/v2/keys/wd/x/_h", "value=hidden");
        s.http("PUT", "/v2/keys/wd/y", "value=2");
        s.await("w", exact);
        s.await("wd recursive", recursive);
        s.awaitEtcdctl("watch --after-index <n> --recursive /wd", etcdctlWatch);
        s.await("w from history", s.startWatch("/v2/keys/w?wait=true&waitIndex=" + (before + 1)));
        s.repeat("/v2/keys/h", 1005);
        s.http("GET", "/v2/keys/w?wait=true&waitIndex=" + (before + 1), null);
        // etcdctl v2
        s.etcdctl("set", "/e/foo", "bar");
        s.etcdctl("get", "/e/foo");
        s.etcdctl("mk", "/e/foo", "again");
        s.etcdctl("mk", "/e/new", "v");
        s.etcdctl("mkdir", "/e/d1");
        s.etcdctl("mkdir", "/e/d1");
        s.etcdctl("setdir", "/e/d2");
        s.etcdctl("update", "/e/foo", "baz");
        s.etcdctl("update", "/e/nope", "x");
        s.etcdctl("updatedir", "/e/d2");
        s.etcdctl("set", "/e/d1/a", "1");
        s.etcdctl("set", "/e/d1/b/c", "2");
        s.etcdctl("ls", "--sort", "/e");
        s.etcdctl("ls", "-r", "-p", "--sort", "/e");
        s.etcdctl("get", "/e/d1");
        s.etcdctl("set", "/e/d1", "x");
        s.etcdctl("rm", "/e/d1");
        s.etcdctl("rmdir", "/e/d1");
        s.etcdctl("rm", "-r", "/e/d1");
        s.etcdctl("rmdir", "/e/d2");
        s.etcdctl("set", "--swap-with-value", "v", "/e/new", "w");
        s.etcdctl("set", "--swap-with-value", "nope", "/e/new", "w");
        s.etcdctl("rm", "--with-value", "zzz", "/e/new");
        s.etcdctl("rm", "/e/foo");
        s.etcdctl("get", "/e/foo");
        s.etcdctl("get", "--quorum", "/e/new");
        s.etcdctl("-o", "json", "get", "/e/new");
        s.etcdctl("member", "list");
        s.etcdctl("cluster-health");
        // TTL expiry, driven by the leader through the log
        long now = s.index();
        CompletableFuture<HttpResponse<String>> expiry = s.startWatch("/v2/keys/ttl?wait=true&waitIndex=" + (now + 2));
        s.http("PUT", "/v2/keys/ttl", "value=x&ttl=1");
        s.await("ttl expiry", expiry);
        s.http("GET", "/v2/keys/ttl", null);
        return s.transcript();
    }
}
