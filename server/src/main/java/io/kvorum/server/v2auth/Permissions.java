package io.kvorum.server.v2auth;

import java.util.List;
import java.util.TreeSet;

/**
 * etcd's {@code RWPermission}: the key patterns a role may read and write. A pattern ending in
 * {@code *} matches every key it is a prefix of (the {@code *} left off), any other pattern one
 * key exactly.
 *
 * @param read  null for Go's nil slice (written as JSON {@code null})
 * @param write null for Go's nil slice
 */
public record Permissions(List<String> read, List<String> write) {
    static final Permissions NONE = new Permissions(null, null);
    static final Permissions ALL = new Permissions(List.of("/*"), List.of("/*"));

    /** Neither list names a pattern. */
    public boolean isEmpty() {
        return (read == null || read.isEmpty()) && (write == null || write.isEmpty());
    }

    /** etcd's {@code Grant}: both lists with {@code more} added, sorted; a pattern granted twice is refused. */
    Permissions grant(Permissions more) {
        return new Permissions(add(read, more.read, "read"), add(write, more.write, "write"));
    }

    /** etcd's {@code Revoke}: both lists without {@code less}, sorted; a pattern not granted is passed over. */
    Permissions revoke(Permissions less) {
        return new Permissions(remove(read, less.read), remove(write, less.write));
    }

    /** etcd's {@code HasAccess}: a pattern of the list matches the key. */
    boolean allows(String key, boolean write) {
        for (String pattern : list(write)) {
            if (pattern.endsWith("*") ? key.startsWith(pattern.substring(0, pattern.length() - 1))
                    : key.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** etcd's {@code HasRecursiveAccess}: a prefix pattern of the list covers the key. */
    boolean allowsBelow(String key, boolean write) {
        for (String pattern : list(write)) {
            if (pattern.endsWith("*") && key.startsWith(pattern.substring(0, pattern.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    private List<String> list(boolean write) {
        List<String> l = write ? this.write : this.read;
        return l == null ? List.of() : l;
    }

    private static List<String> add(List<String> have, List<String> more, String what) {
        TreeSet<String> out = set(have);
        for (String p : more == null ? List.<String>of() : more) {
            if (!out.add(p)) {
                throw new V2AuthError(409, "Granting duplicate " + what + " permission " + p);
            }
        }
        return values(out);
    }

    private static List<String> remove(List<String> have, List<String> less) {
        TreeSet<String> out = set(have);
        if (less != null) {
            out.removeAll(less);
        }
        return values(out);
    }

    private static TreeSet<String> set(List<String> l) {
        return l == null ? new TreeSet<>() : new TreeSet<>(l);
    }

    /** etcd's set {@code Values()}: an empty list (never nil), here sorted. */
    static List<String> values(TreeSet<String> s) {
        return List.copyOf(s);
    }
}
