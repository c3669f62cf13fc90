package io.kvorum.spi.metrics;

/** Observations counted into fixed buckets, with their sum (etcd's {@code prometheus.Histogram}). */
public interface Histogram {

    /** Records one observation, in the family's unit (seconds for {@code _seconds} families). */
    void observe(double value);

    /** Records a duration measured with {@link System#nanoTime()}, in seconds. */
    default void observeNanos(long nanos) {
        observe(nanos / 1e9);
    }
}
