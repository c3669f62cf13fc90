package io.kvorum.server.auth;

import io.kvorum.api.authpb.Permission;
import io.kvorum.api.authpb.Role;
import io.kvorum.api.authpb.User;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The auth store as of one applied entry: whether auth is on, its revision, the users and roles
 * (in bbolt's byte order of their names) and each user's merged key permissions. Immutable, so any
 * thread checks a request against one consistent state.
 */
public final class AuthState {
    static final String ROOT = "root";
    /** Names in the order of their UTF-8 bytes, as etcd lists them from bbolt. */
    static final Comparator<String> BYTE_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private final boolean enabled;
    private final long revision;
    private final NavigableMap<String, User> users;
    private final NavigableMap<String, Role> roles;
    private final Map<String, UserPermissions> permissions;

    /** A user's read and write intervals over all their roles. */
    private record UserPermissions(boolean root, KeyRanges read, KeyRanges write) {
    }

    AuthState(boolean enabled, long revision, NavigableMap<String, User> users, NavigableMap<String, Role> roles) {
        this.enabled = enabled;
        this.revision = revision;
        this.users = Collections.unmodifiableNavigableMap(users);
        this.roles = Collections.unmodifiableNavigableMap(roles);
        Map<String, UserPermissions> merged = new HashMap<>();
        users.forEach((name, user) -> merged.put(name, merge(user, roles)));
        this.permissions = merged;
    }

    static NavigableMap<String, User> newUserMap() {
        return new TreeMap<>(BYTE_ORDER);
    }

    static NavigableMap<String, Role> newRoleMap() {
        return new TreeMap<>(BYTE_ORDER);
    }

    private static UserPermissions merge(User user, Map<String, Role> roles) {
        KeyRanges.Builder read = new KeyRanges.Builder();
        KeyRanges.Builder write = new KeyRanges.Builder();
        for (String roleName : user.getRolesList()) {
            Role role = roles.get(roleName);
            if (role == null) {
                continue;
            }
            for (Permission p : role.getKeyPermissionList()) {
                byte[] key = p.getKey().toByteArray();
                byte[] end = p.getRangeEnd().toByteArray();
                switch (p.getPermType()) {
                    case READ -> read.add(key, end);
                    case WRITE -> write.add(key, end);
                    case READWRITE -> {
                        read.add(key, end);
                        write.add(key, end);
                    }
                    default -> {
                        // a type this version does not know grants nothing
                    }
                }
            }
        }
        return new UserPermissions(user.getRolesList().contains(ROOT), read.build(), write.build());
    }

    public boolean enabled() {
        return enabled;
    }

    /** Bumped by every change of users, roles, permissions or of auth being off. */
    public long revision() {
        return revision;
    }

    NavigableMap<String, User> users() {
        return users;
    }

    NavigableMap<String, Role> roles() {
        return roles;
    }

    /** Whether {@code user} exists and holds {@code role}. */
    public boolean hasRole(String user, String role) {
        User u = users.get(user);
        return u != null && u.getRolesList().contains(role);
    }

    /** Checks a read of {@code key} or {@code [key, rangeEnd)}. */
    public void checkRead(AuthInfo who, byte[] key, byte[] rangeEnd) {
        check(who, key, rangeEnd, false);
    }

    /** Checks a write (put, delete) of {@code key} or {@code [key, rangeEnd)}. */
    public void checkWrite(AuthInfo who, byte[] key, byte[] rangeEnd) {
        check(who, key, rangeEnd, true);
    }

    /**
     * etcd's {@code isOpPermitted}: nothing to check with auth off; no user, a token older than
     * the store, an unknown user or missing permission fail; role root may do anything.
     */
    private void check(AuthInfo who, byte[] key, byte[] rangeEnd, boolean write) {
        if (!enabled) {
            return;
        }
        if (who.revision() == 0) {
            throw new EtcdException(EtcdError.USER_EMPTY);
        }
        if (who.revision() < revision) {
            throw new EtcdException(EtcdError.AUTH_OLD_REVISION);
        }
        UserPermissions p = permissions.get(who.user());
        if (p == null) {
            throw new EtcdException(EtcdError.PERMISSION_DENIED);
        }
        if (p.root()) {
            return;
        }
        if (!(write ? p.write() : p.read()).permits(key, rangeEnd)) {
            throw new EtcdException(EtcdError.PERMISSION_DENIED);
        }
    }

    /** etcd's {@code IsAdminPermitted}: with auth on, only a user with role root. */
    public void checkAdmin(AuthInfo who) {
        if (!enabled) {
            return;
        }
        if (who.isNone()) {
            throw new EtcdException(EtcdError.USER_EMPTY);
        }
        UserPermissions p = permissions.get(who.user());
        if (p == null) {
            throw new EtcdException(EtcdError.USER_NOT_FOUND);
        }
        if (!p.root()) {
            throw new EtcdException(EtcdError.PERMISSION_DENIED);
        }
    }
}
