package io.kvorum.server.auth;

/**
 * Who a request comes from, as its token says: the user and the auth revision the token vouches
 * for. {@link #NONE} is a request without a token (revision 0, as etcd's empty {@code AuthInfo}).
 */
public record AuthInfo(String user, long revision) {
    public static final AuthInfo NONE = new AuthInfo("", 0);
    /**
     * The server's own requests (lease expiry, health probes, the Lock and Election recipes after
     * their edge checks), as etcd's {@code WithRoot}: user root, whose permissions are never old.
     * Clients cannot send it: the header of a log entry is written by the server.
     */
    public static final AuthInfo SERVER = new AuthInfo("root", Long.MAX_VALUE);

    public AuthInfo {
        if (user == null) {
            throw new IllegalArgumentException("user must not be null");
        }
    }

    public boolean isNone() {
        return user.isEmpty();
    }
}
