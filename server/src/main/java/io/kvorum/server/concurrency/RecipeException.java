package io.kvorum.server.concurrency;

/**
 * An error of etcd's concurrency recipes ({@code election: not leader}, …): a plain error, so it
 * reaches the client with gRPC code Unknown and exactly this message, as from etcd.
 */
public final class RecipeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecipeException(String message) {
        super(message, null, false, false);
    }
}
