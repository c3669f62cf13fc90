package io.kvorum.consensus.raft.transport.grpc;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Gauge;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * A registry that keeps each series' value (a histogram's: its count of observations) under
 * {@code name{v1,v2}}, so that tests can see a metric move.
 */
public final class RecordingRegistry implements MetricRegistry {
    private final Map<String, double[]> values = new ConcurrentHashMap<>();

    /** The series' value, 0 when it was never recorded. */
    public double value(String name, String... labelValues) {
        double[] v = values.get(key(name, labelValues));
        if (v == null) {
            return 0;
        }
        synchronized (v) {
            return v[0];
        }
    }

    private static String key(String name, String... labelValues) {
        return name + "{" + String.join(",", labelValues) + "}";
    }

    private double[] cell(String name, String... labelValues) {
        return values.computeIfAbsent(key(name, labelValues), k -> new double[1]);
    }

    private static void add(double[] cell, double amount) {
        synchronized (cell) {
            cell[0] += amount;
        }
    }

    private static void set(double[] cell, double value) {
        synchronized (cell) {
            cell[0] = value;
        }
    }

    private Counter counterOf(String name, String... labelValues) {
        double[] c = cell(name, labelValues);
        return amount -> add(c, amount);
    }

    private Gauge gaugeOf(String name, String... labelValues) {
        double[] c = cell(name, labelValues);
        return new Gauge() {
            public void set(double value) {
                RecordingRegistry.set(c, value);
            }

            public void add(double amount) {
                RecordingRegistry.add(c, amount);
            }
        };
    }

    private Histogram histogramOf(String name, String... labelValues) {
        double[] c = cell(name, labelValues);
        return value -> add(c, 1);
    }

    private <M> Family<M> family(String name, java.util.function.BiFunction<String, String[], M> child) {
        return new Family<>() {
            public M labels(String... labelValues) {
                return child.apply(name, labelValues);
            }

            public void remove(String... labelValues) {
                values.remove(key(name, labelValues));
            }
        };
    }

    @Override
    public Counter counter(String name, String help) {
        return counterOf(name);
    }

    @Override
    public Family<Counter> counter(String name, String help, List<String> labelNames) {
        return family(name, this::counterOf);
    }

    @Override
    public Gauge gauge(String name, String help) {
        return gaugeOf(name);
    }

    @Override
    public Family<Gauge> gauge(String name, String help, List<String> labelNames) {
        return family(name, this::gaugeOf);
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value) {
    }

    @Override
    public Histogram histogram(String name, String help, Buckets buckets) {
        return histogramOf(name);
    }

    @Override
    public Family<Histogram> histogram(String name, String help, Buckets buckets, List<String> labelNames) {
        return family(name, this::histogramOf);
    }
}
