package io.kvorum.spi.metrics;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A metric as collected: its name, help, type, label names and the series of each child.
 *
 * @param buckets a histogram's bucket bounds; empty for counters and gauges
 */
public record MetricFamily(String name, String help, MetricType type, List<String> labelNames,
                           Optional<Buckets> buckets, List<Series> series) {
    public MetricFamily {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(type, "type");
        labelNames = List.copyOf(labelNames);
        Objects.requireNonNull(buckets, "buckets");
        series = List.copyOf(series);
        if ((type == MetricType.HISTOGRAM) != buckets.isPresent()) {
            throw new IllegalArgumentException(name + ": a histogram, and only a histogram, has buckets");
        }
    }
}
