package io.kvorum.spi.metrics;

/** A value that is set, or goes up and down (etcd's {@code prometheus.Gauge}). */
public interface Gauge {

    void set(double value);

    /** Adds {@code amount}, which may be negative. */
    void add(double amount);

    default void inc() {
        add(1);
    }

    default void dec() {
        add(-1);
    }
}
