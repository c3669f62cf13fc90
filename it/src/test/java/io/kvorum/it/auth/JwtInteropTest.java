package io.kvorum.it.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT tokens cross between kvorum and real etcd given the same key: a token either issued is
 * honoured by the other (over the JSON gateway, {@code Authorization: <token>}), and tokens
 * neither should honour (garbage, expired, signed by another key or with another method) get the
 * same answer from both and change nothing. A verify-only member (only {@code pub-key}) honours
 * the tokens of the signing member and refuses to issue its own, as etcd's.
 */
@Timeout(180)
class JwtInteropTest {
    @TempDir
    Path dir;

    private static final List<List<String>> SETUP = List.of(
            List.of("user", "add", "root:rootpw"),
            List.of("user", "add", "alice:alicepw"),
            List.of("role", "add", "rw"),
            List.of("role", "grant-permission", "rw", "readwrite", "k", "--prefix"),
            List.of("user", "grant-role", "alice", "rw"),
            List.of("auth", "enable"));

    private static void requireEtcd() {
        Assumptions.assumeTrue(Binaries.etcd().isPresent() || Binaries.onCi(), "needs real etcd as the oracle");
    }

    private static void setUp(Etcdctl etcdctl, ServerProcess server) {
        for (List<String> step : SETUP) {
            Etcdctl.Result r = etcdctl.run(server.clientUrl(), step, "");
            assertEquals(0, r.exitCode(), step + " on " + server + ": " + r);
        }
    }

    @Test
    void aTokenOfEitherServerIsHonouredByTheOtherAndBadTokensAreRefusedAlike() {
        requireEtcd();
        Etcdctl etcdctl = Etcdctl.require();
        JwtKeys keys = JwtKeys.rsa(dir, "RS256");
        JwtKeys otherKeys = JwtKeys.rsa(dir.resolve("other"), "RS256");
        String flag = "--auth-token=" + keys.authToken();
        ServerSpec etcdSpec = ServerSpec.fresh("jwt-interop-etcd", flag);
        ServerSpec kvorumSpec = ServerSpec.fresh("jwt-interop-kvorum", flag);
        try (ServerProcess etcd = EtcdProcess.start(etcdSpec); ServerProcess kvorum = KvorumProcess.start(kvorumSpec)) {
            setUp(etcdctl, etcd);
            setUp(etcdctl, kvorum);
            String etcdToken = Gateway.authenticate(etcd.clientUrl(), "alice", "alicepw");
            String kvorumToken = Gateway.authenticate(kvorum.clientUrl(), "alice", "alicepw");

            var claims = Gateway.claims(kvorumToken);
            assertEquals("alice", claims.get("username").asText());
            assertEquals(Gateway.claims(etcdToken).get("revision").asLong(), claims.get("revision").asLong(),
                    "the same steps give the same auth revision");
            long now = System.currentTimeMillis() / 1000;
            assertTrue(Math.abs(claims.get("exp").asLong() - (now + 300)) < 30, "exp: five minutes from now");

            for (ServerProcess server : List.of(etcd, kvorum)) {
                for (String token : List.of(etcdToken, kvorumToken)) {
                    Gateway.Answer a = Gateway.put(server.clientUrl(), token, "k1", "v");
                    assertEquals(200, a.status(), server + " with " + (token.equals(etcdToken) ? "etcd's" : "kvorum's")
                            + " token: " + a);
                }
            }

            long revision = Gateway.claims(etcdToken).get("revision").asLong();
            Map<String, String> bad = new LinkedHashMap<>();
            bad.put("garbage", "not-a-token");
            bad.put("a simple token", "abcdefghijklmnop.12");
            bad.put("expired", ForgedJwt.rs("RS256", keys.privateKey(), "alice", revision, now - 5));
            bad.put("signed by another key", ForgedJwt.rs("RS256", otherKeys.privateKey(), "alice", revision, now + 300));
            bad.put("another sign method", ForgedJwt.rs("RS384", keys.privateKey(), "alice", revision, now + 300));
            bad.put("tampered", etcdToken.substring(0, etcdToken.lastIndexOf('.') + 1) + "AAAA");
            for (Map.Entry<String, String> b : bad.entrySet()) {
                Gateway.Answer want = Gateway.put(etcd.clientUrl(), b.getValue(), "k2", "bad");
                Gateway.Answer got = Gateway.put(kvorum.clientUrl(), b.getValue(), "k2", "bad");
                assertEquals(want, got, b.getKey() + " token");
                assertEquals("etcdserver: invalid auth token", got.body().get("error").asText(), b.getKey());
            }
            // a forged token with the right key is a real token: the key is the secret
            String forged = ForgedJwt.rs("RS256", keys.privateKey(), "alice", revision, now + 300);
            assertEquals(200, Gateway.put(kvorum.clientUrl(), forged, "k3", "v").status());

            String rootToken = Gateway.authenticate(kvorum.clientUrl(), "root", "rootpw");
            Gateway.Answer k2 = Gateway.range(kvorum.clientUrl(), rootToken, "k2");
            assertEquals(200, k2.status());
            assertTrue(!k2.body().has("kvs"), "no refused put wrote k2: " + k2);
            // no token at all: the gateway's request has no user
            assertEquals(Gateway.range(etcd.clientUrl(), null, "k1"), Gateway.range(kvorum.clientUrl(), null, "k1"));
        } finally {
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    @Test
    void aVerifyOnlyMemberHonoursTokensItCannotIssue() {
        requireEtcd();
        Etcdctl etcdctl = Etcdctl.require();
        JwtKeys keys = JwtKeys.ec256(dir);
        ServerSpec signerSpec = ServerSpec.fresh("jwt-signer-etcd", "--auth-token=" + keys.authToken());
        ServerSpec etcdSpec = ServerSpec.fresh("jwt-verify-only-etcd", "--auth-token=" + keys.verifyOnlyAuthToken());
        ServerSpec kvorumSpec = ServerSpec.fresh("jwt-verify-only-kvorum", "--auth-token=" + keys.verifyOnlyAuthToken());
        try (ServerProcess signer = EtcdProcess.start(signerSpec); ServerProcess etcd = EtcdProcess.start(etcdSpec);
             ServerProcess kvorum = KvorumProcess.start(kvorumSpec)) {
            for (ServerProcess s : List.of(signer, etcd, kvorum)) {
                setUp(etcdctl, s);
            }
            String token = Gateway.authenticate(signer.clientUrl(), "alice", "alicepw");
            assertEquals(200, Gateway.put(kvorum.clientUrl(), token, "k1", "v").status());
            assertEquals(Gateway.put(etcd.clientUrl(), token, "k1", "v").body().has("header"),
                    Gateway.put(kvorum.clientUrl(), token, "k1", "v").body().has("header"));

            String body = "{\"name\":\"alice\",\"password\":\"alicepw\"}";
            Gateway.Answer want = Gateway.post(etcd.clientUrl(), "/v3/auth/authenticate", null, body);
            Gateway.Answer got = Gateway.post(kvorum.clientUrl(), "/v3/auth/authenticate", null, body);
            assertEquals(want, got);
            assertEquals("auth: token signing attempted with verify-only key", got.body().get("error").asText());
            Etcdctl.Result wantCtl = etcdctl.run(etcd.clientUrl(), List.of("get", "k1", "--user", "alice:alicepw"), "");
            Etcdctl.Result gotCtl = etcdctl.run(kvorum.clientUrl(), List.of("get", "k1", "--user", "alice:alicepw"), "");
            assertEquals(wantCtl.exitCode(), gotCtl.exitCode());
            assertEquals(errorLines(wantCtl), errorLines(gotCtl));
            assertTrue(errorLines(gotCtl).contains("auth: token signing attempted with verify-only key"), gotCtl.stderr());
        } finally {
            signerSpec.deleteData();
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    /** etcdctl's own error lines, without its client library's timestamped log lines. */
    static String errorLines(Etcdctl.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("Error:")).reduce("", (a, b) -> a + b + "\n");
    }
}
