package io.kvorum.spi.metrics;

import java.util.Arrays;

/**
 * The upper bounds of a histogram's buckets, ascending; the {@code +Inf} bucket is implied.
 * {@link #exponential} is Go's {@code prometheus.ExponentialBuckets}, which etcd uses for its
 * histograms, so that bounds match etcd's to the last digit.
 */
public final class Buckets {
    /** grpc-prometheus' (and Prometheus' Go client's) default: .005 … 10 seconds. */
    public static final Buckets DEFAULT = of(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10);

    private final double[] bounds;

    private Buckets(double[] bounds) {
        for (int i = 0; i < bounds.length; i++) {
            if (Double.isNaN(bounds[i]) || Double.isInfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must be finite and ascending: " + Arrays.toString(bounds));
            }
        }
        this.bounds = bounds;
    }

    public static Buckets of(double... bounds) {
        return new Buckets(bounds.clone());
    }

    /** {@code count} bounds, the first {@code start}, each {@code factor} times the one before. */
    public static Buckets exponential(double start, double factor, int count) {
        if (count < 1 || start <= 0 || factor <= 1) {
            throw new IllegalArgumentException("exponential buckets need count >= 1, start > 0, factor > 1");
        }
        double[] b = new double[count];
        b[0] = start;
        for (int i = 1; i < count; i++) {
            b[i] = b[i - 1] * factor; // as Go computes them: each from the one before
        }
        return new Buckets(b);
    }

    /** The bounds, without {@code +Inf}; a copy. */
    public double[] bounds() {
        return bounds.clone();
    }

    public int size() {
        return bounds.length;
    }

    public double bound(int i) {
        return bounds[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Buckets b && Arrays.equals(bounds, b.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        return Arrays.toString(bounds);
    }
}
