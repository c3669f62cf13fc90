package io.kvorum.spi.metrics;

/**
 * A metric with label names: one child per combination of label values. Resolve a child once
 * (when a peer, a method or a member becomes known) and keep it: {@link #labels} looks it up in
 * a map, which a hot path should not pay for each time.
 *
 * @param <M> {@link Counter}, {@link Gauge} or {@link Histogram}
 */
public interface Family<M> {

    /**
     * The child for these label values, created at 0 the first time (so that it is exposed from
     * then on, as etcd's pre-initialized series are).
     *
     * @throws IllegalArgumentException when the number of values is not the number of label names
     */
    M labels(String... values);

    /** Drops the child for these label values (a removed peer), if there is one. */
    void remove(String... values);
}
