package io.kvorum.it.auth;

import static io.kvorum.it.client.Jetcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Lock and Election services check permissions step by step, as etcd's v3lock and v3election,
 * which run their client recipes under the caller's auth: Lock and Campaign need read under
 * {@code name/} and write on the caller's own key {@code name/<lease in hex>} only; Leader needs
 * read; Unlock is a delete (write on the key). Each step's outcome is real etcd's for the same steps.
 */
@Timeout(120)
class RecipePermissionsTest {

    @Test
    void lockAndElectionNeedWhatTheirRecipesStepsNeedAsInEtcd() throws Exception {
        List<String> kvorum = run(KvorumProcess::start, ServerSpec.fresh("recipe-perms-kvorum"));
        assertEquals(List.of(
                "reader lock: etcdserver: permission denied",
                "writer-only lock: etcdserver: permission denied",
                "own-key lock: l/<lease>",
                "own-key lock with another lease: etcdserver: permission denied",
                "reader leader: io.etcd.jetcd.election.NoLeaderException",
                "nobody leader: etcdserver: permission denied",
                "own-key campaign: ok",
                "reader leader: e/<lease>",
                "delete-only unlock: ok",
                "lock keys left: (none)"), kvorum);
        if (Binaries.etcd().isPresent() || Binaries.onCi()) {
            assertEquals(run(EtcdProcess::start, ServerSpec.fresh("recipe-perms-etcd")), kvorum);
        }
    }

    private interface Starter {
        ServerProcess start(ServerSpec spec);
    }

    private static List<String> run(Starter starter, ServerSpec spec) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerProcess server = starter.start(spec)) {
            String url = server.clientUrl().toString();
            long own;
            long other;
            try (Client admin = Client.builder().endpoints(url).build()) {
                var auth = admin.getAuthClient();
                own = Jetcd.await(admin.getLeaseClient().grant(60)).getID();
                other = Jetcd.await(admin.getLeaseClient().grant(60)).getID();
                String ownLock = "l/" + Long.toHexString(own);
                String ownCandidate = "e/" + Long.toHexString(own);
                Jetcd.await(auth.userAdd(bytes("root"), bytes("rootpw")));
                Jetcd.await(auth.roleAdd(bytes("root")));
                Jetcd.await(auth.userGrantRole(bytes("root"), bytes("root")));
                role(admin, "reader", "reader", "l/", "l0", Permission.Type.READ);
                role(admin, "reader", "reader", "e/", "e0", Permission.Type.READ);
                role(admin, "writer", "writer", "l/", "l0", Permission.Type.WRITE);
                role(admin, "owner", "owner", "l/", "l0", Permission.Type.READ);
                role(admin, "owner", "owner", ownLock, "", Permission.Type.WRITE);
                role(admin, "owner", "owner", "e/", "e0", Permission.Type.READ);
                role(admin, "owner", "owner", ownCandidate, "", Permission.Type.WRITE);
                role(admin, "deleter", "deleter", ownLock, "", Permission.Type.WRITE);
                Jetcd.await(auth.userAdd(bytes("nobody"), bytes("pw")));
                Jetcd.await(auth.authEnable());
            }
            try (Client reader = user(url, "reader"); Client writer = user(url, "writer");
                 Client owner = user(url, "owner"); Client deleter = user(url, "deleter");
                 Client nobody = user(url, "nobody"); Client root = Client.builder().endpoints(url)
                         .user(bytes("root")).password(bytes("rootpw")).build()) {
                seen.add("reader lock: " + outcome(reader.getLockClient().lock(bytes("l"), own), own));
                seen.add("writer-only lock: " + outcome(writer.getLockClient().lock(bytes("l"), own), own));
                var locked = owner.getLockClient().lock(bytes("l"), own);
                seen.add("own-key lock: " + outcome(locked.thenApply(r -> r.getKey().toString()), own));
                seen.add("own-key lock with another lease: "
                        + outcome(owner.getLockClient().lock(bytes("l"), other), own));
                seen.add("reader leader: " + outcome(reader.getElectionClient().leader(bytes("e")), own));
                seen.add("nobody leader: " + outcome(nobody.getElectionClient().leader(bytes("e")), own));
                seen.add("own-key campaign: " + outcome(owner.getElectionClient()
                        .campaign(bytes("e"), own, bytes("me")).thenApply(r -> "ok"), own));
                seen.add("reader leader: " + outcome(reader.getElectionClient().leader(bytes("e"))
                        .thenApply(r -> r.getKv().getKey().toString()), own));
                seen.add("delete-only unlock: " + outcome(deleter.getLockClient()
                        .unlock(bytes("l/" + Long.toHexString(own))).thenApply(r -> "ok"), own));
                var left = Jetcd.await(root.getKVClient().get(bytes("l/"), io.etcd.jetcd.options.GetOption.builder()
                        .isPrefix(true).build()));
                seen.add("lock keys left: " + (left.getKvs().isEmpty() ? "(none)" : Jetcd.keys(left.getKvs())));
            }
        } finally {
            spec.deleteData();
        }
        return seen;
    }

    private static void role(Client admin, String user, String role, String key, String end, Permission.Type type) {
        var auth = admin.getAuthClient();
        try {
            auth.userAdd(bytes(user), bytes("pw")).get(15, TimeUnit.SECONDS);
            auth.roleAdd(bytes(role)).get(15, TimeUnit.SECONDS);
            auth.userGrantRole(bytes(user), bytes(role)).get(15, TimeUnit.SECONDS);
        } catch (Exception already) {
            // the user and role of an earlier grant
        }
        Jetcd.await(auth.roleGrantPermission(bytes(role), bytes(key), bytes(end), type));
    }

    private static Client user(String url, String name) {
        return Client.builder().endpoints(url).user(bytes(name)).password(bytes("pw")).build();
    }

    /** "ok", the call's value, or the server's error message; the lease's hex id shown as {@code <lease>}. */
    private static String outcome(CompletableFuture<?> call, long lease) {
        String hex = Long.toHexString(lease);
        try {
            Object v = call.get(15, TimeUnit.SECONDS);
            return (v instanceof String s ? s : "ok").replace(hex, "<lease>");
        } catch (ExecutionException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof io.grpc.StatusRuntimeException s && s.getStatus().getDescription() != null) {
                    return s.getStatus().getDescription();
                }
                String m = c.getMessage();
                if (m != null && (m.contains("etcdserver: ") || m.contains("election: "))) {
                    return m.substring(m.contains("etcdserver: ") ? m.indexOf("etcdserver: ") : m.indexOf("election: "));
                }
            }
            return String.valueOf(e.getCause());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
