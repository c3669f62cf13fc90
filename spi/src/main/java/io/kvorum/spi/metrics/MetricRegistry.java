package io.kvorum.spi.metrics;

import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Where the server, consensus and backends record their metrics, under etcd's names. The server
 * owns the registry; plugins receive it in their context and register what they measure once,
 * when they open, keeping the returned metric (or child of a {@link Family}) to record into.
 *
 * <p>Registering a name twice with the same type, help, labels and buckets returns the metric
 * already there (a backend reopened after a snapshot restore registers again); anything else
 * under a taken name is an {@link IllegalArgumentException}. Names and label names follow
 * Prometheus' rules ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}).
 *
 * <p>Every method is safe to call from any thread; recording never blocks.
 */
public interface MetricRegistry {

    Counter counter(String name, String help);

    Family<Counter> counter(String name, String help, List<String> labelNames);

    Gauge gauge(String name, String help);

    Family<Gauge> gauge(String name, String help, List<String> labelNames);

    /**
     * A gauge read from {@code value} whenever the metrics are collected (etcd's
     * {@code GaugeFunc}): for what is already kept elsewhere, such as the backend's size. The
     * supplier runs on the collecting thread and must be quick and thread-safe.
     */
    void gauge(String name, String help, DoubleSupplier value);

    Histogram histogram(String name, String help, Buckets buckets);

    Family<Histogram> histogram(String name, String help, Buckets buckets, List<String> labelNames);

    /** A registry that records nothing: for embedding without metrics, and for tests. */
    static MetricRegistry noop() {
        return NoopRegistry.INSTANCE;
    }
}
