package io.kvorum.spi.metrics;

/** A value that only goes up (etcd's {@code prometheus.Counter}). Cheap enough for every request. */
public interface Counter {

    /** Adds {@code amount}, which must not be negative. */
    void inc(double amount);

    default void inc() {
        inc(1);
    }
}
