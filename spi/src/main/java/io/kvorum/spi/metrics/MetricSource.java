package io.kvorum.spi.metrics;

import java.util.List;

/** What an exporter reads: every registered metric, collected now. */
@FunctionalInterface
public interface MetricSource {

    /** The families, sorted by name, each with its series; gauges read from callbacks are read now. */
    List<MetricFamily> collect();
}
