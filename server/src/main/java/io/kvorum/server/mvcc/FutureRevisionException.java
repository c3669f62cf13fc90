package io.kvorum.server.mvcc;

/** The revision asked for is newer than the store's current revision. */
public final class FutureRevisionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FutureRevisionException() {
        super("mvcc: required revision is a future revision");
    }
}
