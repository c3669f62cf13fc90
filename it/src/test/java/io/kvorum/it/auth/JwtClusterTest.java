package io.kvorum.it.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.etcdctl.Etcdctl;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a three-member cluster whose members share a JWT key, a token one member issued is honoured by
 * every other: a JWT carries what it vouches for, so no member needs to have applied anything to
 * resolve it, and a member that restarted honours it still. Run with {@code -Dkvorum.it.target=etcd} to see real etcd pass the same test.
 */
@Tag("cluster")
@Timeout(180)
class JwtClusterTest {
    @TempDir
    Path dir;

    @Test
    void aTokenFromOneMemberIsHonouredByEveryMember() {
        Etcdctl etcdctl = Etcdctl.require();
        JwtKeys keys = JwtKeys.ec256(dir);
        try (Cluster cluster = Cluster.start("jwt", 3, "--auth-token=" + keys.authToken())) {
            List<ClusterMember> members = cluster.members();
            for (List<String> step : List.of(List.of("user", "add", "root:rootpw"), List.of("user", "add", "alice:pw"),
                    List.of("role", "add", "app"), List.of("role", "grant-permission", "app", "readwrite", "app/", "--prefix"),
                    List.of("user", "grant-role", "alice", "app"), List.of("auth", "enable"))) {
                Etcdctl.Result r = etcdctl.run(members.get(0).clientUrl(), step, "");
                assertEquals(0, r.exitCode(), step + ": " + r);
            }
            String token = Gateway.authenticate(members.get(0).clientUrl(), "alice", "pw");
            for (ClusterMember m : members) {
                Gateway.Answer put = Gateway.put(m.clientUrl(), token, "app/" + m.name(), "v");
                assertEquals(200, put.status(), m.name() + ": " + put);
                Gateway.Answer denied = Gateway.put(m.clientUrl(), token, "other", "v");
                assertEquals("etcdserver: permission denied", denied.body().get("error").asText(), m.name());
            }
            Gateway.Answer all = Gateway.post(members.get(2).clientUrl(), "/v3/kv/range", token,
                    "{\"key\":\"" + Gateway.b64("app/") + "\",\"range_end\":\"" + Gateway.b64("app0") + "\"}");
            assertEquals("3", all.body().get("count").asText(), all.toString());

            // nothing of a token is kept: it is honoured again by a member that restarted
            ClusterMember restarted = members.get(1);
            restarted.stop();
            restarted.restart();
            Gateway.Answer again = Gateway.put(restarted.clientUrl(), token, "app/again", "v");
            assertEquals(200, again.status(), again.toString());
        }
    }
}
