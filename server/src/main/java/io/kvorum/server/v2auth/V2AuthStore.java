package io.kvorum.server.v2auth;

import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.request.V2Requests;
import io.kvorum.server.auth.Passwords;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Event;
import io.kvorum.server.v2.NodeView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd 3.4's v2 auth store: users under {@code /2/users/<name>} and roles under
 * {@code /2/roles/<name>} as JSON, and {@code /2/enabled} as {@code true}/{@code false}, in the
 * v2 store, so that they are replicated, snapshotted and kept across restarts with it. Changes go
 * through the log as v2 PUTs and DELETEs, exactly those etcd proposes (the first change of a
 * member's life also creates the directories and {@code enabled}, as etcd's
 * {@code ensureAuthDirectories}), so the store index moves as etcd's does. Checks read this
 * member's store; the reads a change depends on go through the log (QGET), as etcd's.
 *
 * <p>Threads: every method blocks (on the log, and on bcrypt, about 70 ms per hash or check), so
 * callers run them on a blocking executor, never on an event loop or the apply thread.
 */
public final class V2AuthStore {
    /** etcd's {@code StorePermsPrefix}. */
    static final String PREFIX = "/2";
    private static final long TIMEOUT_SECONDS = 10;

    private final V2Requests server;
    /** etcd's {@code ensuredOnce}: the directories were made (or found) in this member's life. */
    private volatile boolean ensured;

    public V2AuthStore(V2Requests server) {
        this.server = server;
    }

    // ---- reads ----

    /** etcd's {@code AuthEnabled}: {@code /2/enabled} holds {@code true}. Reads this member's store. */
    public boolean enabled() {
        return read("/enabled", false).flatMap(e -> e.node().value())
                .map(V2AuthJson::parseBool).orElse(false);
    }

    /** The names of all users, sorted. */
    public List<String> allUsers() {
        return children("/users/");
    }

    /** The names of all roles, root among them, sorted. */
    public List<String> allRoles() {
        List<String> names = new ArrayList<>(children("/roles/"));
        names.add(V2Role.ROOT);
        names.sort(null);
        return names;
    }

    /** etcd's {@code GetUser}, from this member's store. */
    public V2User user(String name) {
        return user(name, false);
    }

    /** etcd's {@code GetRole}: root is built in. */
    public V2Role role(String name) {
        return role(name, false);
    }

    /** etcd's {@code CheckPassword}: the password matches the user's bcrypt hash. */
    public boolean checkPassword(V2User user, String password) {
        return Passwords.matches(user.password().getBytes(StandardCharsets.US_ASCII), password);
    }

    // ---- changes ----

    /** etcd's {@code CreateUser}: root gets the root role; an empty password or a taken name is refused. */
    public V2User createUser(V2User user) {
        V2User u = user.withRootRole();
        if (u.password().isEmpty()) {
            throw new V2AuthError(400, "Cannot create user " + u.user() + " with an empty password");
        }
        V2User hashed = new V2User(u.user(), hash(u.password()), u.roles(), u.grant(), u.revoke());
        try {
            set("/users/" + u.user(), V2AuthJson.user(hashed), false);
        } catch (V2Error e) {
            if (e.code() == V2Error.NODE_EXIST) {
                throw new V2AuthError(409, "User " + u.user() + " already exists.");
            }
            throw e;
        }
        return hashed;
    }

    /** etcd's {@code CreateOrUpdateUser}: an update when the user exists (read through the log). */
    public Created<V2User> createOrUpdateUser(V2User user) {
        try {
            user(user.user(), true);
        } catch (V2AuthError missing) {
            return new Created<>(createUser(user), true);
        }
        return new Created<>(updateUser(user), false);
    }

    /** etcd's {@code UpdateUser}: a new password, roles granted or revoked; a change of nothing is refused. */
    public V2User updateUser(V2User user) {
        // etcd's own "doesn't exist" is never reached: the read's "does not exist" comes first
        V2User old = user(user.user(), true);
        V2User merged = old.merge(user, user.password().isEmpty() ? "" : hash(user.password()));
        if (merged.equals(old)) {
            throw new V2AuthError(400, "User not updated. Use grant/revoke/password to update the user.");
        }
        set("/users/" + user.user(), V2AuthJson.user(merged), true);
        return merged;
    }

    /** etcd's {@code DeleteUser}: root stays while auth is on. */
    public void deleteUser(String name) {
        if (enabled() && name.equals(V2Role.ROOT)) {
            throw new V2AuthError(403, "Cannot delete root user while auth is enabled.");
        }
        try {
            delete("/users/" + name);
        } catch (V2Error e) {
            if (e.code() == V2Error.KEY_NOT_FOUND) {
                throw new V2AuthError(404, "User " + name + " does not exist");
            }
            throw e;
        }
    }

    /** etcd's {@code CreateRole}: root is built in; a taken name is refused. */
    public void createRole(V2Role role) {
        if (role.role().equals(V2Role.ROOT)) {
            throw new V2AuthError(403, "Cannot modify role " + role.role() + ": is root role.");
        }
        try {
            set("/roles/" + role.role(), V2AuthJson.role(role), false);
        } catch (V2Error e) {
            if (e.code() == V2Error.NODE_EXIST) {
                throw new V2AuthError(409, "Role " + role.role() + " already exists.");
            }
            throw e;
        }
    }

    /** etcd's {@code UpdateRole}: permissions granted, then revoked; a change of nothing is refused. */
    public V2Role updateRole(V2Role role) {
        if (role.role().equals(V2Role.ROOT)) {
            throw new V2AuthError(403, "Cannot modify role " + role.role() + ": is root role.");
        }
        V2Role old = role(role.role(), true);
        V2Role merged = old.merge(role);
        if (merged.equals(old)) {
            throw new V2AuthError(400, "Role not updated. Use grant/revoke to update the role.");
        }
        set("/roles/" + role.role(), V2AuthJson.role(merged), true);
        return merged;
    }

    /** etcd's {@code DeleteRole}. */
    public void deleteRole(String name) {
        if (name.equals(V2Role.ROOT)) {
            throw new V2AuthError(403, "Cannot modify role " + name + ": is root role.");
        }
        try {
            delete("/roles/" + name);
        } catch (V2Error e) {
            if (e.code() == V2Error.KEY_NOT_FOUND) {
                throw new V2AuthError(404, "Role " + name + " doesn't exist.");
            }
            throw e;
        }
    }

    /** etcd's {@code EnableAuth}: needs the root user; creates the guest role (all keys) when missing. */
    public void enable() {
        if (enabled()) {
            throw new V2AuthError(409, "already enabled");
        }
        try {
            user(V2Role.ROOT, true);
        } catch (V2AuthError missing) {
            throw new V2AuthError(409, "No root user available, please create one");
        }
        try {
            role(V2Role.GUEST, true);
        } catch (V2AuthError missing) {
            createRole(V2Role.GUEST_ROLE);
        }
        set("/enabled", "true", true);
    }

    /** etcd's {@code DisableAuth}. */
    public void disable() {
        if (!enabled()) {
            throw new V2AuthError(409, "already disabled");
        }
        set("/enabled", "false", true);
    }

    /** A user or role, and whether the request created it. */
    public record Created<T>(T value, boolean created) {
    }

    // ---- the store ----

    private V2User user(String name, boolean quorum) {
        Optional<String> json = read("/users/" + name, quorum).flatMap(e -> e.node().value());
        V2User u = json.flatMap(V2AuthJson::parseUser).orElseThrow(
                () -> new V2AuthError(404, "User " + name + " does not exist."));
        return u.withRootRole();
    }

    private V2Role role(String name, boolean quorum) {
        if (name.equals(V2Role.ROOT)) {
            return V2Role.ROOT_ROLE;
        }
        Optional<String> json = read("/roles/" + name, quorum).flatMap(e -> e.node().value());
        return json.flatMap(V2AuthJson::parseRole).orElseThrow(
                () -> new V2AuthError(404, "Role " + name + " does not exist."));
    }

    private List<String> children(String dir) {
        Optional<V2Event> listed = read(dir, false);
        List<String> names = new ArrayList<>();
        listed.flatMap(e -> e.node().nodes()).orElse(List.of()).stream().map(NodeView::key)
                .map(k -> k.substring(k.lastIndexOf('/') + 1)).forEach(names::add);
        names.sort(null);
        return names;
    }

    /** etcd's {@code requestResource}: empty when the node is not there. */
    private Optional<V2Event> read(String res, boolean quorum) {
        String path = PREFIX + res;
        try {
            if (quorum) {
                return Optional.ofNullable(await(server.propose(
                        Request.newBuilder().setMethod("QGET").setPath(path).build())));
            }
            return Optional.of(server.store().get(path, false, false));
        } catch (V2Error e) {
            if (e.code() == V2Error.KEY_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** etcd's {@code setResource}: a PUT of the JSON, which must exist ({@code prevExist}) or not. */
    private void set(String res, String json, boolean prevExist) {
        ensureDirectories();
        await(server.propose(Request.newBuilder().setMethod("PUT").setPath(PREFIX + res).setVal(json)
                .setPrevExist(prevExist).build()));
    }

    private void delete(String res) {
        ensureDirectories();
        await(server.propose(Request.newBuilder().setMethod("DELETE").setPath(PREFIX + res).setPrevExist(true)
                .build()));
    }

    /** etcd's {@code ensureAuthDirectories}: {@code /2}, its users and roles, and {@code enabled=false}. */
    private void ensureDirectories() {
        if (ensured) {
            return;
        }
        for (String dir : List.of(PREFIX, PREFIX + "/users/", PREFIX + "/roles/")) {
            createIfMissing(Request.newBuilder().setMethod("PUT").setPath(dir).setDir(true).setPrevExist(false)
                    .build());
        }
        createIfMissing(Request.newBuilder().setMethod("PUT").setPath(PREFIX + "/enabled").setVal("false")
                .setPrevExist(false).build());
        ensured = true;
    }

    private void createIfMissing(Request r) {
        try {
            await(server.propose(r));
        } catch (V2Error e) {
            if (e.code() != V2Error.NODE_EXIST) {
                throw e;
            }
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new IllegalStateException("etcdserver: request timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String hash(String password) {
        return new String(Passwords.hash(password, Passwords.DEFAULT_COST), StandardCharsets.US_ASCII);
    }
}
