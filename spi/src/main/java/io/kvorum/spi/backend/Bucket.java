package io.kvorum.spi.backend;

/**
 * A named, independently ordered key space, like a bbolt bucket. The server's buckets mirror
 * etcd's: {@code key}, {@code meta}, {@code lease}, {@code members}, {@code auth}, {@code authUsers},
 * {@code authRoles}, {@code alarm}.
 */
public record Bucket(String name) {
    public static final Bucket KEY = new Bucket("key");
    public static final Bucket META = new Bucket("meta");
    public static final Bucket LEASE = new Bucket("lease");
    public static final Bucket MEMBERS = new Bucket("members");
    public static final Bucket AUTH = new Bucket("auth");
    public static final Bucket AUTH_USERS = new Bucket("authUsers");
    public static final Bucket AUTH_ROLES = new Bucket("authRoles");
    public static final Bucket ALARM = new Bucket("alarm");

    public Bucket {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("bucket name must be non-empty printable ASCII: " + name);
        }
    }
}
