package io.kvorum.it.auth;

import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's auth client against a member with JWT tokens that live one second
 * ({@code --auth-token jwt,…,ttl=1s}): enabling auth, authenticating with user and password,
 * permission errors, calls made after the token expired (jetcd authenticates again when told
 * "invalid auth token"), and a watch that outlives its token and keeps delivering events. Every
 * step's outcome is what real etcd gives for the same steps.
 */
@Timeout(180)
class JetcdAuthTest {
    @TempDir
    Path dir;

    @Test
    void jetcdAuthenticatesIsRefusedAndOutlivesItsTokensAsWithRealEtcd() throws Exception {
        JwtKeys keys = JwtKeys.rsa(dir, "RS256");
        String flag = "--auth-token=" + keys.authToken("ttl=1s");
        List<String> kvorum = run(KvorumProcess::start, ServerSpec.fresh("jetcd-auth-kvorum", flag));
        assertEquals(List.of(
                "enable: ok",
                "alice put k1: ok",
                "alice get k1: v1",
                "alice put other: etcdserver: permission denied",
                "alice get other: etcdserver: permission denied",
                "alice user list: etcdserver: permission denied",
                "wrong password put k1: etcdserver: authentication failed, invalid user ID or password",
                "alice watch k: created",
                "alice put k2 after the token expired: ok",
                "alice get k2 after the token expired: v2",
                "root put k3 after alice's token expired: ok",
                "alice's watch saw: error: rpc error: code = Unauthenticated desc = etcdserver: invalid auth token,"
                        + " PUT k2=v2, PUT k3=v3",
                "root auth disable: ok",
                "anyone put other: ok"), kvorum);
        if (Binaries.etcd().isPresent() || Binaries.onCi()) {
            assertEquals(run(EtcdProcess::start, ServerSpec.fresh("jetcd-auth-etcd", flag)), kvorum);
        }
    }

    private interface Starter {
        ServerProcess start(ServerSpec spec);
    }

    private static List<String> run(Starter starter, ServerSpec spec) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerProcess server = starter.start(spec)) {
            String url = server.clientUrl().toString();
            try (Client admin = Client.builder().endpoints(url).build()) {
                var auth = admin.getAuthClient();
                Jetcd.await(auth.userAdd(bytes("root"), bytes("rootpw")));
                Jetcd.await(auth.roleAdd(bytes("root")));
                Jetcd.await(auth.userGrantRole(bytes("root"), bytes("root")));
                Jetcd.await(auth.userAdd(bytes("alice"), bytes("alicepw")));
                Jetcd.await(auth.roleAdd(bytes("rw")));
                Jetcd.await(auth.roleGrantPermission(bytes("rw"), bytes("k"), bytes("l"), Permission.Type.READWRITE));
                Jetcd.await(auth.userGrantRole(bytes("alice"), bytes("rw")));
                seen.add("enable: " + outcome(auth.authEnable()));
            }
            try (Client alice = user(url, "alice", "alicepw"); Client root = user(url, "root", "rootpw");
                 Client wrong = user(url, "alice", "wrong")) {
                seen.add("alice put k1: " + outcome(alice.getKVClient().put(bytes("k1"), bytes("v1"))));
                seen.add("alice get k1: " + value(alice, "k1"));
                seen.add("alice put other: " + outcome(alice.getKVClient().put(bytes("other"), bytes("x"))));
                seen.add("alice get other: " + value(alice, "other"));
                seen.add("alice user list: " + outcome(alice.getAuthClient().userList()));
                seen.add("wrong password put k1: " + outcome(wrong.getKVClient().put(bytes("k1"), bytes("x"))));

                // the watch starts after alice's token expired: its create is refused ("invalid auth
                // token", passed to the listener), jetcd authenticates again and creates it anew
                Thread.sleep(2500);
                LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
                CompletableFuture<Void> created = new CompletableFuture<>();
                Watch.Watcher watcher = alice.getWatchClient().watch(bytes("k"),
                        WatchOption.builder().withRange(bytes("l")).withCreateNotify(true).build(),
                        Watch.listener(r -> {
                            if (r.getEvents().isEmpty()) {
                                created.complete(null);
                            }
                            for (WatchEvent e : r.getEvents()) {
                                events.add(e.getEventType() + " " + string(e.getKeyValue().getKey()) + "="
                                        + string(e.getKeyValue().getValue()));
                            }
                        }, e -> events.add("error: " + e.getMessage())));
                created.get(15, TimeUnit.SECONDS);
                seen.add("alice watch k: created");
                Thread.sleep(2500); // the one-second token has expired
                seen.add("alice put k2 after the token expired: " + outcome(alice.getKVClient().put(bytes("k2"), bytes("v2"))));
                seen.add("alice get k2 after the token expired: " + value(alice, "k2"));
                Thread.sleep(2500);
                seen.add("root put k3 after alice's token expired: "
                        + outcome(root.getKVClient().put(bytes("k3"), bytes("v3"))));
                List<String> saw = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String e = events.poll(15, TimeUnit.SECONDS);
                    saw.add(e == null ? "nothing" : e);
                }
                seen.add("alice's watch saw: " + String.join(", ", saw));
                watcher.close();
                seen.add("root auth disable: " + outcome(root.getAuthClient().authDisable()));
            }
            try (Client anyone = Client.builder().endpoints(url).build()) {
                seen.add("anyone put other: " + outcome(anyone.getKVClient().put(bytes("other"), bytes("y"))));
            }
        } finally {
            spec.deleteData();
        }
        return seen;
    }

    private static Client user(String url, String name, String password) {
        return Client.builder().endpoints(URI.create(url)).user(bytes(name)).password(bytes(password)).build();
    }

    private static String outcome(CompletableFuture<?> call) {
        try {
            call.get(15, TimeUnit.SECONDS);
            return "ok";
        } catch (java.util.concurrent.ExecutionException e) {
            return message(e.getCause());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String value(Client client, String key) {
        try {
            var r = client.getKVClient().get(bytes(key)).get(15, TimeUnit.SECONDS);
            return r.getKvs().isEmpty() ? "(none)" : string(r.getKvs().get(0).getValue());
        } catch (java.util.concurrent.ExecutionException e) {
            return message(e.getCause());
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The server's error message as jetcd passes it on (a gRPC status description somewhere in the causes). */
    private static String message(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.grpc.StatusRuntimeException s && s.getStatus().getDescription() != null) {
                return s.getStatus().getDescription();
            }
            if (c.getMessage() != null && c.getMessage().contains("etcdserver: ")) {
                return c.getMessage().substring(c.getMessage().indexOf("etcdserver: "));
            }
        }
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            chain.append(c).append(" <- ");
        }
        return chain.toString();
    }
}
