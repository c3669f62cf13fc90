package io.kvorum.server.v2auth;

import java.util.List;
import java.util.TreeSet;

/**
 * etcd's v2 {@code User}: the name, the bcrypt hash of the password (as stored; the plain password
 * in a request), the roles; in a request, the roles to grant or revoke instead.
 *
 * @param password empty when not given (left out of the JSON)
 * @param roles    null for Go's nil slice (written as JSON {@code null})
 * @param grant    null or empty when nothing is granted
 * @param revoke   null or empty when nothing is revoked
 */
public record V2User(String user, String password, List<String> roles, List<String> grant, List<String> revoke) {
    /** This user without the password, as answered. */
    public V2User withoutPassword() {
        return new V2User(user, "", roles, grant, revoke);
    }

    boolean hasRole(String role) {
        return roles != null && roles.contains(role);
    }

    /** etcd's {@code attachRootRole}: the root user always has the root role. */
    V2User withRootRole() {
        if (!user.equals(V2Role.ROOT) || hasRole(V2Role.ROOT)) {
            return this;
        }
        List<String> more = new java.util.ArrayList<>(roles == null ? List.of() : roles);
        more.add(V2Role.ROOT);
        return new V2User(user, password, List.copyOf(more), grant, revoke);
    }

    /** etcd's {@code merge}: the new password's hash if one is given, the roles granted and revoked, sorted. */
    V2User merge(V2User request, String newHash) {
        TreeSet<String> current = roles == null ? new TreeSet<>() : new TreeSet<>(roles);
        if (request.grant != null) {
            for (String g : request.grant) {
                if (!current.add(g)) {
                    throw new V2AuthError(409, "Granting duplicate role " + g + " for user " + request.user);
                }
            }
        }
        if (request.revoke != null) {
            for (String r : request.revoke) {
                if (!current.remove(r)) {
                    throw new V2AuthError(409, "Revoking ungranted role " + r + " for user " + request.user);
                }
            }
        }
        return new V2User(user, newHash.isEmpty() ? password : newHash, Permissions.values(current), null, null);
    }
}
