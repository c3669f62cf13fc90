package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * etcd's v2 auth with {@code --enable-v2}: users, roles, enabling auth, and keys read and written
 * as root, as a user with and without the permission, and as guest, by {@code ETCDCTL_API=2
 * etcdctl} and by plain HTTP; then a restart, after which users, roles and the enabled flag are
 * still there. Run step by step against real etcd 3.4 and kvorum at the same time; what a client
 * sees must be equal apart from indexes, times and ids.
 */
class V2AuthTest {
    private static final String ROOT = "root:rootpw";

    @Test
    void v2AuthAnswersAsRealEtcdDoes() {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        Assumptions.assumeTrue(etcdctl != null && Binaries.etcd().isPresent(),
                "needs etcd and etcdctl (Debian packages etcd-server, etcd-client) as the oracle");
        ServerSpec etcdSpec = ServerSpec.fresh("v2auth-etcd", "--enable-v2");
        ServerSpec kvorumSpec = ServerSpec.fresh("v2auth-kvorum", "--enable-v2");
        try {
            CompletableFuture<List<String>> oracle = CompletableFuture.supplyAsync(
                    () -> run(EtcdProcess.start(etcdSpec), etcdctl));
            List<String> actual = run(KvorumProcess.start(kvorumSpec), etcdctl);
            List<String> expected = oracle.join();
            List<String> differences = new ArrayList<>();
            for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
                String want = i < expected.size() ? expected.get(i) : "(no step)";
                String got = i < actual.size() ? actual.get(i) : "(no step)";
                if (!want.equals(got)) {
                    differences.add("step " + (i + 1) + ": etcd\n" + want + "\nkvorum\n" + got);
                }
            }
            assertEquals(List.of(), differences);
        } finally {
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    /** The steps before a restart, then those after it; stops the server it is given. */
    private static List<String> run(ServerProcess first, Path etcdctl) {
        List<String> transcript = new ArrayList<>();
        ServerProcess again;
        try (ServerProcess server = first) {
            transcript.addAll(before(new V2Steps(server.clientUrl(), etcdctl)));
            server.close();
            again = server.restart();
        }
        try (ServerProcess server = again) {
            transcript.addAll(after(new V2Steps(server.clientUrl(), etcdctl)));
        }
        return transcript;
    }

    private static List<String> before(V2Steps s) {
        // before auth: everything open, the auth endpoints answer anyone
        s.http("PUT", "/v2/keys/open/a", "value=1");
        s.http("GET", "/v2/auth/enable", null);
        s.http("GET", "/v2/auth/users", null);
        s.http("GET", "/v2/auth/roles", null);
        ctl(s, "auth", "enable");
        ctl(s, "user", "list");
        ctl(s, "role", "list");
        ctl(s, "user", "add", ROOT);
        s.http("PUT", "/v2/keys/open/b", "value=2");
        ctl(s, "user", "add", ROOT);
        ctl(s, "user", "add", "alice:alicepw");
        ctl(s, "user", "add", "bob:bobpw");
        ctl(s, "user", "get", "alice");
        ctl(s, "user", "get", "nobody");
        ctl(s, "role", "add", "readers");
        ctl(s, "role", "add", "readers");
        ctl(s, "role", "add", "root");
        ctl(s, "role", "add", "writers");
        ctl(s, "role", "grant", "--path", "/data/*", "--read", "readers");
        ctl(s, "role", "grant", "--path", "/data/*", "--read", "readers");
        ctl(s, "role", "grant", "--path", "/data/*", "--readwrite", "writers");
        ctl(s, "role", "grant", "--path", "/one", "--write", "writers");
        ctl(s, "role", "grant", "--path", "/x", "nobody");
        ctl(s, "role", "grant", "--path", "/x", "--read", "root");
        ctl(s, "role", "revoke", "--path", "/one", "--write", "writers");
        ctl(s, "role", "revoke", "--path", "/never", "--write", "writers");
        ctl(s, "role", "get", "writers");
        ctl(s, "role", "get", "root");
        ctl(s, "role", "get", "nobody");
        ctl(s, "role", "list");
        ctl(s, "user", "grant", "--roles", "readers", "alice");
        ctl(s, "user", "grant", "--roles", "readers", "alice");
        ctl(s, "user", "grant", "--roles", "writers", "bob");
        ctl(s, "user", "revoke", "--roles", "writers", "alice");
        ctl(s, "user", "grant", "--roles", "readers", "nobody");
        ctl(s, "user", "get", "alice");
        ctl(s, "user", "get", "root");
        ctl(s, "user", "list");
        s.http("GET", "/v2/auth/users/alice", null);
        s.http("GET", "/v2/auth/roles/readers", null);
        s.http("GET", "/v2/auth/users", null);
        s.http("GET", "/v2/auth/roles", null);
        ctl(s, "set", "/data/k", "v0");
        // auth on: guest created, root needed for the auth endpoints
        ctl(s, "auth", "enable");
        ctl(s, "auth", "enable");
        s.http("GET", "/v2/auth/enable", null);
        s.http("GET", "/v2/auth/users", null);
        s.http("PUT", "/v2/auth/enable", null);
        s.httpAs("alice:alicepw", "GET", "/v2/auth/users", null);
        s.httpAs("root:wrong", "GET", "/v2/auth/roles", null);
        s.httpAs(ROOT, "GET", "/v2/auth/roles", null);
        s.httpAs(ROOT, "GET", "/v2/auth/roles/guest", null);
        ctl(s, "--username", ROOT, "role", "list");
        ctl(s, "--username", ROOT, "user", "remove", "root");
        // guest has every key until its permissions are revoked
        ctl(s, "get", "/data/k");
        ctl(s, "--username", ROOT, "role", "revoke", "--path", "/*", "--readwrite", "guest");
        ctl(s, "--username", ROOT, "role", "get", "guest");
        ctl(s, "get", "/data/k");
        ctl(s, "set", "/data/k", "guest");
        s.http("GET", "/v2/keys/data/k", null);
        s.http("PUT", "/v2/keys/data/k", "value=guest");
        s.http("PUT", "/v2/keys/data/k?prevIndex=x", "value=guest");
        // a reader, a writer, a wrong password, root
        ctl(s, "--username", "alice:alicepw", "get", "/data/k");
        ctl(s, "--username", "alice:alicepw", "set", "/data/k", "alice");
        ctl(s, "--username", "alice:alicepw", "ls", "/data");
        ctl(s, "--username", "alice:alicepw", "get", "/open/a");
        ctl(s, "--username", "alice:wrong", "get", "/data/k");
        ctl(s, "--username", "bob:bobpw", "set", "/data/k", "bob");
        ctl(s, "--username", "bob:bobpw", "get", "/data/k");
        ctl(s, "--username", "bob:bobpw", "ls", "--recursive", "/data");
        ctl(s, "--username", "bob:bobpw", "set", "/open/c", "bob");
        ctl(s, "--username", ROOT, "set", "/open/c", "root");
        ctl(s, "--username", ROOT, "ls", "--sort", "/");
        s.httpAs("alice:alicepw", "GET", "/v2/keys/data?recursive=true", null);
        s.httpAs("alice:alicepw", "GET", "/v2/keys/data/", null);
        s.httpAs("bob:bobpw", "DELETE", "/v2/keys/data/k", null);
        s.httpAs("nobody:pw", "GET", "/v2/keys/data/k", null);
        s.httpAs(ROOT, "GET", "/v2/keys/?recursive=true&sorted=true", null);
        // membership changes and user changes need root
        s.http("DELETE", "/v2/members/1234", null);
        s.httpAs("alice:alicepw", "PUT", "/v2/auth/users/alice", "{\"user\":\"alice\",\"password\":\"x\"}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/alice", "{\"user\":\"alice\",\"password\":\"alice2\"}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/carol", "{\"user\":\"carol\",\"password\":\"c\"}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/carol", "{\"user\":\"dave\",\"password\":\"c\"}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/carol", "{\"user\":\"carol\",\"roles\":[\"a\"],\"grant\":[\"b\"]}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/carol", "{\"user\":\"carol\"}");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/carol", "not json");
        s.httpAs(ROOT, "PUT", "/v2/auth/users/a/b", "{}");
        s.httpAs(ROOT, "PATCH", "/v2/auth/users/carol", "{}");
        s.httpAs(ROOT, "PUT", "/v2/auth/roles/r2", "{\"role\":\"r2\",\"permissions\":{\"kv\":{\"read\":[\"/r\"]}}}");
        s.httpAs(ROOT, "PUT", "/v2/auth/roles/r2", "{\"role\":\"r2\",\"grant\":{\"kv\":{\"write\":[\"/w*\"]}}}");
        s.httpAs(ROOT, "PUT", "/v2/auth/roles/r2", "{\"role\":\"r2\",\"revoke\":{\"kv\":{\"read\":[\"/nope\"]}}}");
        s.httpAs(ROOT, "DELETE", "/v2/auth/roles/r2", null);
        s.httpAs(ROOT, "DELETE", "/v2/auth/roles/r2", null);
        s.httpAs(ROOT, "DELETE", "/v2/auth/users/carol", null);
        ctl(s, "--username", "alice:alicepw", "get", "/data/k");
        ctl(s, "--username", "alice:alice2", "get", "/data/k");
        ctl(s, "--username", ROOT, "user", "remove", "bob");
        ctl(s, "--username", ROOT, "user", "remove", "bob");
        ctl(s, "--username", ROOT, "role", "remove", "writers");
        ctl(s, "--username", ROOT, "role", "remove", "writers");
        ctl(s, "--username", ROOT, "role", "remove", "root");
        return s.transcript();
    }

    /** etcdctl, with time for bcrypt on a busy machine (its default gives a request 2 s). */
    private static void ctl(V2Steps s, String... args) {
        List<String> all = new ArrayList<>(List.of("--timeout", "20s", "--total-timeout", "30s"));
        all.addAll(List.of(args));
        s.etcdctl(all.toArray(String[]::new));
    }

    private static List<String> after(V2Steps s) {
        // after the restart: still on, with the same users and roles
        s.http("GET", "/v2/auth/enable", null);
        ctl(s, "get", "/data/k");
        ctl(s, "--username", "alice:alice2", "get", "/data/k");
        ctl(s, "--username", ROOT, "user", "list");
        ctl(s, "--username", ROOT, "role", "list");
        ctl(s, "--username", ROOT, "role", "get", "readers");
        ctl(s, "--username", ROOT, "user", "add", "erin:e");
        s.http("GET", "/v2/keys/", null);
        ctl(s, "--username", "alice:alice2", "auth", "disable");
        ctl(s, "--username", ROOT, "auth", "disable");
        ctl(s, "--username", ROOT, "auth", "disable");
        ctl(s, "get", "/data/k");
        ctl(s, "user", "remove", "root");
        ctl(s, "user", "list");
        s.http("GET", "/v2/keys/?recursive=true&sorted=true", null);
        return s.transcript();
    }
}
