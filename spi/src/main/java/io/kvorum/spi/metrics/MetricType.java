package io.kvorum.spi.metrics;

/** The kinds of metric, as Prometheus names them. */
public enum MetricType {
    COUNTER, GAUGE, HISTOGRAM
}
