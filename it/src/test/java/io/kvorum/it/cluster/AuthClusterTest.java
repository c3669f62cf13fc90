package io.kvorum.it.cluster;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.failure;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Auth is the cluster's: users, roles and the enabled flag set through one member hold on every
 * member, a user authenticates through any member (the token is learned by all from the log), and
 * every member refuses what the user's roles do not allow. Run with {@code -Dkvorum.it.target=etcd}
 * to see real etcd pass the same test.
 */
@Tag("cluster")
class AuthClusterTest {

    private static Client clientOf(List<ClusterMember> members, String user, String password) {
        var builder = Client.builder().endpoints(members.stream().map(ClusterMember::clientUrl).toArray(URI[]::new));
        if (user != null) {
            builder.user(bytes(user)).password(bytes(password));
        }
        return builder.build();
    }

    @Test
    void usersRolesAndTokensHoldOnEveryMember() throws Exception {
        try (Cluster cluster = Cluster.start("auth", 3)) {
            List<ClusterMember> members = cluster.members();
            try (Client admin = clientOf(List.of(members.get(0)), null, null)) {
                Auth auth = admin.getAuthClient();
                await(auth.userAdd(bytes("root"), bytes("rootpw")));
                await(auth.roleAdd(bytes("root")));
                await(auth.userGrantRole(bytes("root"), bytes("root")));
                await(auth.userAdd(bytes("alice"), bytes("alicepw")));
                await(auth.roleAdd(bytes("app")));
                await(auth.roleGrantPermission(bytes("app"), bytes("app/"), bytes("app0"), Permission.Type.READWRITE));
                await(auth.userGrantRole(bytes("alice"), bytes("app")));
                await(auth.authEnable());
            }
            for (ClusterMember m : members) {
                try (Client alice = clientOf(List.of(m), "alice", "alicepw")) {
                    ByteSequence key = bytes("app/" + m.name());
                    await(alice.getKVClient().put(key, bytes("v")));
                    assertEquals("v", string(await(alice.getKVClient().get(key)).getKvs().get(0).getValue()), m.name());
                    Throwable denied = failure(alice.getKVClient().put(bytes("other"), bytes("v")));
                    assertTrue(String.valueOf(denied.getMessage()).contains("etcdserver: permission denied"),
                            m.name() + ": " + denied);
                }
                try (Client anonymous = clientOf(List.of(m), null, null)) {
                    Throwable empty = failure(anonymous.getKVClient().get(bytes("app/x")));
                    assertTrue(String.valueOf(empty.getMessage()).contains("etcdserver: user name is empty"),
                            m.name() + ": " + empty);
                }
            }
            // one client over all members: its token, from whichever member it authenticated through,
            // is honoured by the others
            try (Client alice = clientOf(members, "alice", "alicepw")) {
                for (int i = 0; i < 9; i++) {
                    await(alice.getKVClient().put(bytes("app/all-" + i), bytes("v")));
                }
                assertEquals(9, await(alice.getKVClient().get(bytes("app/all-"),
                        io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build())).getCount());
            }
            try (Client root = clientOf(List.of(members.get(2)), "root", "rootpw")) {
                assertEquals(List.of("alice", "root"), await(root.getAuthClient().userList()).getUsers());
                await(root.getAuthClient().authDisable());
            }
            try (Client anonymous = clientOf(List.of(members.get(1)), null, null)) {
                assertEquals(1, await(anonymous.getKVClient().get(bytes("app/" + members.get(1).name()))).getCount());
            }
        }
    }
}
