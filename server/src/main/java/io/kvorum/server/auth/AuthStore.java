package io.kvorum.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvorum.api.authpb.Permission;
import io.kvorum.api.authpb.Role;
import io.kvorum.api.authpb.User;
import io.kvorum.api.authpb.UserAddOptions;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.auth.TokenGrant;
import io.kvorum.spi.auth.Tokens;
import io.kvorum.spi.backend.Bucket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's auth store: users in the {@code authUsers} bucket and roles in {@code authRoles} (etcd's
 * {@code authpb} records under their names), the enabled flag and the auth revision in {@code auth}.
 * Every change comes through the log and is staged into the same backend commit as its entry, so
 * snapshots carry it and every member has the same store at the same index.
 *
 * <p>Threads: the apply loop is the only writer ({@link AuthOps} calls back here); every change
 * publishes a new immutable {@link AuthState}, which any thread reads through {@link #state()}.
 */
public final class AuthStore {
    private static final Logger LOG = LoggerFactory.getLogger(AuthStore.class);
    private static final byte[] ENABLED_KEY = "authEnabled".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REVISION_KEY = "authRevision".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ON = {1};
    private static final byte[] OFF = {0};

    private final Tokens tokens;
    private volatile AuthState state;

    private AuthStore(Tokens tokens, AuthState state) {
        this.tokens = tokens;
        this.state = state;
        if (state.enabled()) {
            tokens.enable();
        }
    }

    /** The auth store in {@code store}'s buckets, issuing tokens with {@code tokens}. */
    public static AuthStore recover(MvccStore store, Tokens tokens) {
        return new AuthStore(tokens, read(store));
    }

    /** Becomes the auth store of a store a snapshot restore put in place. Apply thread only. */
    public void reload(MvccStore store) {
        AuthState next = read(store);
        boolean was = state.enabled();
        state = next;
        if (was && !next.enabled()) {
            tokens.disable();
        } else if (!was && next.enabled()) {
            tokens.enable();
        }
    }

    private static AuthState read(MvccStore store) {
        boolean[] enabled = {false};
        long[] revision = {0};
        store.scanBucket(Bucket.AUTH, (key, value) -> {
            if (Arrays.equals(key, ENABLED_KEY)) {
                enabled[0] = Arrays.equals(value, ON);
            } else if (Arrays.equals(key, REVISION_KEY) && value.length == 8) {
                revision[0] = ByteBuffer.wrap(value).getLong();
            }
            return true;
        });
        NavigableMap<String, User> users = AuthState.newUserMap();
        store.scanBucket(Bucket.AUTH_USERS, (key, value) -> {
            User u = parse(() -> User.parseFrom(value), "user");
            users.put(u.getName().toStringUtf8(), u);
            return true;
        });
        NavigableMap<String, Role> roles = AuthState.newRoleMap();
        store.scanBucket(Bucket.AUTH_ROLES, (key, value) -> {
            Role r = parse(() -> Role.parseFrom(value), "role");
            roles.put(r.getName().toStringUtf8(), r);
            return true;
        });
        // etcd writes revision 1 when it creates the store; a store without one starts there too.
        return new AuthState(enabled[0], Math.max(1, revision[0]), users, roles);
    }

    private interface Parser<T> {
        T parse() throws InvalidProtocolBufferException;
    }

    private static <T> T parse(Parser<T> parser, String what) {
        try {
            return parser.parse();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("auth: unreadable " + what + " record in the backend", e);
        }
    }

    /** The store as of the last applied entry. */
    public AuthState state() {
        return state;
    }

    /** The token issuer, for resolving tokens and for the nonce of an authentication. */
    public Tokens tokens() {
        return tokens;
    }

    /**
     * Whom {@code token} stands for, as etcd's {@code AuthInfoFromCtx}: an unknown or expired token
     * fails with "invalid auth token".
     */
    public CompletableFuture<AuthInfo> resolve(String token) {
        return tokens.resolve(token, state.revision()).toCompletableFuture().thenApply(info -> {
            if (info.isEmpty()) {
                throw new EtcdException(EtcdError.INVALID_AUTH_TOKEN);
            }
            return new AuthInfo(info.get().user(), info.get().authRevision());
        });
    }

    /**
     * etcd's {@code CheckPassword}, run by the member that received the Authenticate, off the
     * apply loop (bcrypt is slow on purpose).
     *
     * @return the auth revision the check saw: if the store changed before the authentication was
     *         applied, the check is made again
     */
    public long checkPassword(String name, String password) {
        AuthState s = state;
        if (!s.enabled()) {
            throw new EtcdException(EtcdError.AUTH_NOT_ENABLED);
        }
        User user = s.users().get(name);
        if (user == null) {
            throw new EtcdException(EtcdError.AUTH_FAILED);
        }
        if (user.getOptions().getNoPassword()) {
            throw new EtcdException(EtcdError.NO_PASSWORD_USER);
        }
        if (!Passwords.matches(user.getPassword().toByteArray(), password)) {
            LOG.info("invalid password for user {}", name);
            throw new EtcdException(EtcdError.AUTH_FAILED);
        }
        return s.revision();
    }

    // ---- changes, apply thread only ---------------------------------------------------------

    /** Turns auth on: user root must exist and hold role root. */
    void enable(MvccStore store) {
        AuthState s = state;
        if (s.enabled()) {
            LOG.info("authentication is already enabled; ignored auth enable request");
            return;
        }
        User root = s.users().get(AuthState.ROOT);
        if (root == null) {
            throw new EtcdException(EtcdError.ROOT_USER_NOT_EXIST);
        }
        if (!root.getRolesList().contains(AuthState.ROOT)) {
            throw new EtcdException(EtcdError.ROOT_ROLE_NOT_EXIST);
        }
        // as etcd, enabling does not bump the revision
        store.stageBucketPut(Bucket.AUTH, ENABLED_KEY, ON);
        state = new AuthState(true, s.revision(), s.users(), s.roles());
        tokens.enable();
        LOG.info("enabled authentication");
    }

    void disable(MvccStore store) {
        AuthState s = state;
        if (!s.enabled()) {
            return;
        }
        store.stageBucketPut(Bucket.AUTH, ENABLED_KEY, OFF);
        publish(store, false, s.users(), s.roles());
        tokens.disable();
        LOG.info("disabled authentication");
    }

    /** Assigns a token to {@code name}, whose password the proposer checked. */
    String authenticate(String name, long index, String nonce) {
        AuthState s = state;
        if (!s.enabled()) {
            throw new EtcdException(EtcdError.AUTH_NOT_ENABLED);
        }
        User user = s.users().get(name);
        if (user == null || user.getOptions().getNoPassword()) {
            throw new EtcdException(EtcdError.AUTH_FAILED);
        }
        try {
            return tokens.assign(new TokenGrant(name, s.revision(), index, nonce));
        } catch (UnsupportedOperationException e) {
            throw new EtcdException(EtcdError.VERIFY_ONLY);
        } catch (IllegalStateException e) {
            LOG.warn("failed to sign a token for user {}: {}", name, e.toString());
            throw new EtcdException(EtcdError.INVALID_SIGNING_KEY);
        }
    }

    void addUser(MvccStore store, String name, byte[] hash, UserAddOptions options) {
        if (name.isEmpty()) {
            throw new EtcdException(EtcdError.USER_EMPTY);
        }
        AuthState s = state;
        if (s.users().containsKey(name)) {
            throw new EtcdException(EtcdError.USER_ALREADY_EXIST);
        }
        User user = User.newBuilder().setName(ByteString.copyFromUtf8(name)).setPassword(ByteString.copyFrom(hash))
                .setOptions(options).build();
        NavigableMap<String, User> users = copy(s.users());
        users.put(name, user);
        putUser(store, user);
        publish(store, s.enabled(), users, s.roles());
        LOG.info("added a user {}", name);
    }

    void deleteUser(MvccStore store, String name) {
        AuthState s = state;
        if (s.enabled() && name.equals(AuthState.ROOT)) {
            throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
        }
        if (!s.users().containsKey(name)) {
            throw new EtcdException(EtcdError.USER_NOT_FOUND);
        }
        NavigableMap<String, User> users = copy(s.users());
        users.remove(name);
        store.stageBucketDelete(Bucket.AUTH_USERS, name.getBytes(StandardCharsets.UTF_8));
        publish(store, s.enabled(), users, s.roles());
        tokens.invalidateUser(name);
        LOG.info("deleted a user {}", name);
    }

    void changePassword(MvccStore store, String name, byte[] hash) {
        AuthState s = state;
        User user = s.users().get(name);
        if (user == null) {
            throw new EtcdException(EtcdError.USER_NOT_FOUND);
        }
        User changed = user.toBuilder().setPassword(ByteString.copyFrom(hash)).build();
        NavigableMap<String, User> users = copy(s.users());
        users.put(name, changed);
        putUser(store, changed);
        publish(store, s.enabled(), users, s.roles());
        tokens.invalidateUser(name);
        LOG.info("changed a password of a user {}", name);
    }

    void grantRole(MvccStore store, String name, String role) {
        AuthState s = state;
        User user = s.users().get(name);
        if (user == null) {
            throw new EtcdException(EtcdError.USER_NOT_FOUND);
        }
        if (!role.equals(AuthState.ROOT) && !s.roles().containsKey(role)) {
            throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
        }
        if (user.getRolesList().contains(role)) {
            return; // etcd: granting a role already held is a success that changes nothing
        }
        List<String> roles = new ArrayList<>(user.getRolesList());
        roles.add(role);
        roles.sort(AuthState.BYTE_ORDER);
        User changed = user.toBuilder().clearRoles().addAllRoles(roles).build();
        NavigableMap<String, User> users = copy(s.users());
        users.put(name, changed);
        putUser(store, changed);
        publish(store, s.enabled(), users, s.roles());
        LOG.info("granted role {} to user {}", role, name);
    }

    void revokeRole(MvccStore store, String name, String role) {
        AuthState s = state;
        if (s.enabled() && name.equals(AuthState.ROOT) && role.equals(AuthState.ROOT)) {
            throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
        }
        User user = s.users().get(name);
        if (user == null) {
            throw new EtcdException(EtcdError.USER_NOT_FOUND);
        }
        if (!user.getRolesList().contains(role)) {
            throw new EtcdException(EtcdError.ROLE_NOT_GRANTED);
        }
        List<String> roles = new ArrayList<>(user.getRolesList());
        roles.removeIf(role::equals);
        User changed = user.toBuilder().clearRoles().addAllRoles(roles).build();
        NavigableMap<String, User> users = copy(s.users());
        users.put(name, changed);
        putUser(store, changed);
        publish(store, s.enabled(), users, s.roles());
        LOG.info("revoked role {} from user {}", role, name);
    }

    void addRole(MvccStore store, String name) {
        if (name.isEmpty()) {
            throw new EtcdException(EtcdError.ROLE_EMPTY);
        }
        AuthState s = state;
        if (s.roles().containsKey(name)) {
            throw new EtcdException(EtcdError.ROLE_ALREADY_EXIST);
        }
        Role role = Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build();
        NavigableMap<String, Role> roles = copy(s.roles());
        roles.put(name, role);
        putRole(store, role);
        publish(store, s.enabled(), s.users(), roles);
        LOG.info("created a role {}", name);
    }

    /** Deletes the role and takes it from every user who held it. */
    void deleteRole(MvccStore store, String name) {
        AuthState s = state;
        if (s.enabled() && name.equals(AuthState.ROOT)) {
            throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
        }
        if (!s.roles().containsKey(name)) {
            throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
        }
        NavigableMap<String, Role> roles = copy(s.roles());
        roles.remove(name);
        store.stageBucketDelete(Bucket.AUTH_ROLES, name.getBytes(StandardCharsets.UTF_8));
        NavigableMap<String, User> users = copy(s.users());
        for (User user : s.users().values()) {
            if (user.getRolesList().contains(name)) {
                List<String> kept = new ArrayList<>(user.getRolesList());
                kept.removeIf(name::equals);
                User changed = user.toBuilder().clearRoles().addAllRoles(kept).build();
                users.put(changed.getName().toStringUtf8(), changed);
                putUser(store, changed);
            }
        }
        publish(store, s.enabled(), users, roles);
        LOG.info("deleted role {}", name);
    }

    /** Adds the permission, or changes the type of the one on the same key and range end; kept sorted by key. */
    void grantPermission(MvccStore store, String name, Permission perm) {
        AuthState s = state;
        Role role = s.roles().get(name);
        if (role == null) {
            throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        boolean updated = false;
        for (int i = 0; i < perms.size(); i++) {
            Permission p = perms.get(i);
            if (p.getKey().equals(perm.getKey()) && p.getRangeEnd().equals(perm.getRangeEnd())) {
                perms.set(i, p.toBuilder().setPermType(perm.getPermType()).build());
                updated = true;
                break;
            }
        }
        if (!updated) {
            perms.add(Permission.newBuilder().setKey(perm.getKey()).setRangeEnd(perm.getRangeEnd())
                    .setPermType(perm.getPermType()).build());
            // a stable sort by key, as etcd's sort of its slice keeps equal keys in place in practice
            perms.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey()));
        }
        Role changed = role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build();
        NavigableMap<String, Role> roles = copy(s.roles());
        roles.put(name, changed);
        putRole(store, changed);
        publish(store, s.enabled(), s.users(), roles);
        LOG.info("role {}'s permission of key {} is updated as {}", name, perm.getKey().toStringUtf8(), perm.getPermType());
    }

    void revokePermission(MvccStore store, String name, ByteString key, ByteString rangeEnd) {
        AuthState s = state;
        Role role = s.roles().get(name);
        if (role == null) {
            throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        if (!perms.removeIf(p -> p.getKey().equals(key) && p.getRangeEnd().equals(rangeEnd))) {
            throw new EtcdException(EtcdError.PERMISSION_NOT_GRANTED);
        }
        Role changed = role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build();
        NavigableMap<String, Role> roles = copy(s.roles());
        roles.put(name, changed);
        putRole(store, changed);
        publish(store, s.enabled(), s.users(), roles);
        LOG.info("revoked key {} from role {}", key.toStringUtf8(), name);
    }

    Optional<User> user(String name) {
        return Optional.ofNullable(state.users().get(name));
    }

    Optional<Role> role(String name) {
        return Optional.ofNullable(state.roles().get(name));
    }

    /** Bumps the revision, stages it, and publishes the new state. */
    private void publish(MvccStore store, boolean enabled, NavigableMap<String, User> users,
                         NavigableMap<String, Role> roles) {
        long revision = state.revision() + 1;
        store.stageBucketPut(Bucket.AUTH, REVISION_KEY, ByteBuffer.allocate(8).putLong(revision).array());
        state = new AuthState(enabled, revision, users, roles);
    }

    private static void putUser(MvccStore store, User user) {
        store.stageBucketPut(Bucket.AUTH_USERS, user.getName().toByteArray(), user.toByteArray());
    }

    private static void putRole(MvccStore store, Role role) {
        store.stageBucketPut(Bucket.AUTH_ROLES, role.getName().toByteArray(), role.toByteArray());
    }

    private static <V> NavigableMap<String, V> copy(NavigableMap<String, V> map) {
        NavigableMap<String, V> copy = new TreeMap<>(AuthState.BYTE_ORDER);
        copy.putAll(map);
        return copy;
    }
}
