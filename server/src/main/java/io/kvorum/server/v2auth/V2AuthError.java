package io.kvorum.server.v2auth;

/**
 * etcd's {@code v2auth.Error}: an HTTP status and a message starting with {@code auth: }, answered
 * as {@code {"message":...}}.
 */
public final class V2AuthError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    V2AuthError(int status, String message) {
        super("auth: " + message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
