package io.kvorum.server.metrics;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Gauge;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.MetricType;
import io.kvorum.spi.metrics.Series;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A member's metrics: what the server, consensus and backends record into, and what exporters
 * collect. Recording is lock-free (adders and compare-and-set); collecting reads each metric
 * once, without stopping writers, so a histogram's buckets may be a few observations apart from
 * its sum, as with Prometheus' own clients.
 */
public final class Registry implements MetricRegistry, MetricSource {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** Sorted by name: the order exporters expose them in. */
    private final Map<String, Metric<?>> metrics = new ConcurrentSkipListMap<>();

    @Override
    public Counter counter(String name, String help) {
        return counter(name, help, List.of()).labels();
    }

    @Override
    public Family<Counter> counter(String name, String help, List<String> labelNames) {
        return register(new Metric<>(name, help, MetricType.COUNTER, labelNames, Optional.empty(), v -> new CounterChild()));
    }

    @Override
    public Gauge gauge(String name, String help) {
        return gauge(name, help, List.of()).labels();
    }

    @Override
    public Family<Gauge> gauge(String name, String help, List<String> labelNames) {
        return register(new Metric<>(name, help, MetricType.GAUGE, labelNames, Optional.empty(), v -> new GaugeChild()));
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value) {
        Objects.requireNonNull(value, "value");
        Metric<CallbackChild> metric = new Metric<>(name, help, MetricType.GAUGE, List.of(), Optional.empty(),
                v -> new CallbackChild(value));
        metric.labels();
        // the supplier is the metric: a second one cannot be merged into the first
        if (metrics.putIfAbsent(name, metric) != null) {
            throw new IllegalArgumentException("metric " + name + " is already registered");
        }
    }

    @Override
    public Histogram histogram(String name, String help, Buckets buckets) {
        return histogram(name, help, buckets, List.of()).labels();
    }

    @Override
    public Family<Histogram> histogram(String name, String help, Buckets buckets, List<String> labelNames) {
        Objects.requireNonNull(buckets, "buckets");
        return register(new Metric<>(name, help, MetricType.HISTOGRAM, labelNames, Optional.of(buckets),
                v -> new HistogramChild(buckets)));
    }

    @Override
    public List<MetricFamily> collect() {
        List<MetricFamily> families = new ArrayList<>(metrics.size());
        for (Metric<?> m : metrics.values()) {
            families.add(m.collect());
        }
        return families;
    }

    @SuppressWarnings("unchecked")
    private <M> Family<M> register(Metric<M> metric) {
        Metric<?> present = metrics.putIfAbsent(metric.name, metric);
        if (present == null) {
            return metric;
        }
        if (!present.sameShape(metric) || present.children.values().stream().anyMatch(CallbackChild.class::isInstance)) {
            throw new IllegalArgumentException("metric " + metric.name + " is already registered differently");
        }
        return (Family<M>) present;
    }

    /** One registered name. */
    private static final class Metric<M> implements Family<M> {
        final String name;
        final String help;
        final MetricType type;
        final List<String> labelNames;
        final Optional<Buckets> buckets;
        final Function<List<String>, M> creator;
        final Map<List<String>, M> children = new ConcurrentHashMap<>();

        Metric(String name, String help, MetricType type, List<String> labelNames, Optional<Buckets> buckets,
               Function<List<String>, M> creator) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a metric name: " + name);
            }
            for (String label : labelNames) {
                if (!LABEL.matcher(label).matches() || label.startsWith("__") || (type == MetricType.HISTOGRAM && label.equals("le"))) {
                    throw new IllegalArgumentException(name + ": not a label name: " + label);
                }
            }
            this.name = name;
            this.help = Objects.requireNonNull(help, "help");
            this.type = type;
            this.labelNames = List.copyOf(labelNames);
            this.buckets = buckets;
            this.creator = creator;
        }

        boolean sameShape(Metric<?> other) {
            return type == other.type && help.equals(other.help) && labelNames.equals(other.labelNames)
                    && buckets.equals(other.buckets);
        }

        @Override
        public M labels(String... values) {
            if (values.length != labelNames.size()) {
                throw new IllegalArgumentException(name + " has labels " + labelNames + ", given " + Arrays.toString(values));
            }
            return children.computeIfAbsent(List.of(values), creator);
        }

        @Override
        public void remove(String... values) {
            children.remove(List.of(values));
        }

        MetricFamily collect() {
            List<Series> series = new ArrayList<>(children.size());
            children.forEach((labels, child) -> series.add(((Child) child).collect(labels)));
            if (series.size() > 1) {
                series.sort((a, b) -> compare(a.labelValues(), b.labelValues()));
            }
            return new MetricFamily(name, help, type, labelNames, buckets, series);
        }

        private static int compare(List<String> a, List<String> b) {
            for (int i = 0; i < a.size(); i++) {
                int c = a.get(i).compareTo(b.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
    }

    private interface Child {
        Series collect(List<String> labels);
    }

    private static final class CounterChild implements Counter, Child {
        private final DoubleAdder value = new DoubleAdder();

        @Override
        public void inc(double amount) {
            if (amount < 0) {
                throw new IllegalArgumentException("a counter cannot go down: " + amount);
            }
            value.add(amount);
        }

        @Override
        public Series collect(List<String> labels) {
            return new Series.Value(labels, value.sum());
        }
    }

    private static final class GaugeChild implements Gauge, Child {
        private final AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0));

        @Override
        public void set(double value) {
            bits.set(Double.doubleToLongBits(value));
        }

        @Override
        public void add(double amount) {
            bits.getAndUpdate(b -> Double.doubleToLongBits(Double.longBitsToDouble(b) + amount));
        }

        @Override
        public Series collect(List<String> labels) {
            return new Series.Value(labels, Double.longBitsToDouble(bits.get()));
        }
    }

    private record CallbackChild(DoubleSupplier supplier) implements Child {
        @Override
        public Series collect(List<String> labels) {
            return new Series.Value(labels, supplier.getAsDouble());
        }
    }

    private static final class HistogramChild implements Histogram, Child {
        private final double[] bounds;
        /** Observations per bucket, not cumulative; the last is {@code +Inf}. */
        private final LongAdder[] counts;
        private final DoubleAdder sum = new DoubleAdder();

        HistogramChild(Buckets buckets) {
            bounds = buckets.bounds();
            counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        @Override
        public void observe(double value) {
            int i = Arrays.binarySearch(bounds, value);
            // found: that bucket (a bound is inclusive); not found: the first bound above it
            counts[i >= 0 ? i : -i - 1].increment();
            sum.add(value);
        }

        @Override
        public Series collect(List<String> labels) {
            long[] cumulative = new long[bounds.length];
            long total = 0;
            for (int i = 0; i < bounds.length; i++) {
                total += counts[i].sum();
                cumulative[i] = total;
            }
            total += counts[bounds.length].sum();
            return new Series.Distribution(labels, cumulative, total, sum.sum());
        }
    }
}
