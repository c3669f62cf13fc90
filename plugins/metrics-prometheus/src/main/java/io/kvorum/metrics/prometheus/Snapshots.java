package io.kvorum.metrics.prometheus;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The member's metric families as Prometheus' snapshot model, for its OpenMetrics and protobuf
 * writers. Those formats name counter samples {@code <name>_total}, so a counter etcd names without
 * the suffix ({@code etcd_server_health_success}) gets it there, as Go's client gives it in OpenMetrics.
 */
final class Snapshots {
    private static final String TOTAL = "_total";

    private Snapshots() {
    }

    static List<MetricSnapshot> of(List<MetricFamily> families) {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (MetricFamily f : families) {
            out.add(switch (f.type()) {
                case COUNTER -> counter(f);
                case GAUGE -> gauge(f);
                case HISTOGRAM -> histogram(f);
            });
        }
        return out;
    }

    private static MetricSnapshot counter(MetricFamily f) {
        String name = f.name().endsWith(TOTAL) ? f.name().substring(0, f.name().length() - TOTAL.length()) : f.name();
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help());
        for (Series s : f.series()) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels(f, s)).value(((Series.Value) s).value()).build());
        }
        return b.build();
    }

    private static MetricSnapshot gauge(MetricFamily f) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.name()).help(f.help());
        for (Series s : f.series()) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(labels(f, s)).value(((Series.Value) s).value()).build());
        }
        return b.build();
    }

    private static MetricSnapshot histogram(MetricFamily f) {
        Buckets buckets = f.buckets().orElseThrow();
        double[] bounds = new double[buckets.size() + 1];
        for (int i = 0; i < buckets.size(); i++) {
            bounds[i] = buckets.bound(i);
        }
        bounds[buckets.size()] = Double.POSITIVE_INFINITY;
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(f.name()).help(f.help());
        for (Series s : f.series()) {
            Series.Distribution d = (Series.Distribution) s;
            // the model counts each bucket on its own; the SPI's are cumulative
            long[] counts = new long[bounds.length];
            long below = 0;
            for (int i = 0; i < buckets.size(); i++) {
                counts[i] = d.bucketCount(i) - below;
                below = d.bucketCount(i);
            }
            counts[buckets.size()] = d.count() - below;
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(labels(f, s)).sum(d.sum())
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).build());
        }
        return b.build();
    }

    private static Labels labels(MetricFamily f, Series s) {
        return f.labelNames().isEmpty() ? Labels.EMPTY : Labels.of(f.labelNames(), s.labelValues());
    }
}
