package io.kvorum.server.v2auth;

/**
 * etcd's v2 {@code Role}: its name and key permissions; in a request, the permissions to grant or
 * revoke instead.
 *
 * @param grant  null when the request grants nothing (Go's nil pointer)
 * @param revoke null when the request revokes nothing
 */
public record V2Role(String role, Permissions permissions, Permissions grant, Permissions revoke) {
    public static final String ROOT = "root";
    public static final String GUEST = "guest";
    /** The root role: all keys, never stored. */
    static final V2Role ROOT_ROLE = new V2Role(ROOT, Permissions.ALL, null, null);
    /** The guest role as auth enable creates it when missing: all keys. */
    static final V2Role GUEST_ROLE = new V2Role(GUEST, Permissions.ALL, null, null);

    /** etcd's {@code HasKeyAccess}: root reaches every key. */
    public boolean allows(String key, boolean write) {
        return role.equals(ROOT) || permissions.allows(key, write);
    }

    /** etcd's {@code HasRecursiveAccess}. */
    public boolean allowsBelow(String key, boolean write) {
        return role.equals(ROOT) || permissions.allowsBelow(key, write);
    }

    /** etcd's {@code merge}: this role with the request's grants, then its revokes. */
    V2Role merge(V2Role request) {
        Permissions p = permissions;
        if (request.grant != null) {
            p = p.grant(request.grant);
        }
        if (request.revoke != null) {
            p = p.revoke(request.revoke);
        }
        return new V2Role(role, p, null, null);
    }
}
