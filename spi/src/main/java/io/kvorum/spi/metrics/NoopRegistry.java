package io.kvorum.spi.metrics;

import java.util.List;
import java.util.function.DoubleSupplier;

/** {@link MetricRegistry#noop()}. */
final class NoopRegistry implements MetricRegistry {
    static final NoopRegistry INSTANCE = new NoopRegistry();

    private static final Counter COUNTER = amount -> { };
    private static final Gauge GAUGE = new Gauge() {
        @Override
        public void set(double value) {
        }

        @Override
        public void add(double amount) {
        }
    };
    private static final Histogram HISTOGRAM = value -> { };

    private NoopRegistry() {
    }

    private static <M> Family<M> family(M child) {
        return new Family<>() {
            @Override
            public M labels(String... values) {
                return child;
            }

            @Override
            public void remove(String... values) {
            }
        };
    }

    @Override
    public Counter counter(String name, String help) {
        return COUNTER;
    }

    @Override
    public Family<Counter> counter(String name, String help, List<String> labelNames) {
        return family(COUNTER);
    }

    @Override
    public Gauge gauge(String name, String help) {
        return GAUGE;
    }

    @Override
    public Family<Gauge> gauge(String name, String help, List<String> labelNames) {
        return family(GAUGE);
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value) {
    }

    @Override
    public Histogram histogram(String name, String help, Buckets buckets) {
        return HISTOGRAM;
    }

    @Override
    public Family<Histogram> histogram(String name, String help, Buckets buckets, List<String> labelNames) {
        return family(HISTOGRAM);
    }
}
