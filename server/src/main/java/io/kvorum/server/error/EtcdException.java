package io.kvorum.server.error;

/** A request failed with one of etcd's errors; the edge sends {@link #error()} as it is. */
public final class EtcdException extends RuntimeException {
    private final EtcdError error;

    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
