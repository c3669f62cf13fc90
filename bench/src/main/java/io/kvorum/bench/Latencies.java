package io.kvorum.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Latencies in nanoseconds, recorded from any thread into a fixed array sized for the whole run,
 * so that recording costs no allocation and no lock while the load runs.
 */
final class Latencies {
    private final long[] nanos;
    private final AtomicLong recorded = new AtomicLong();

    Latencies(long capacity) {
        this.nanos = new long[Math.toIntExact(capacity)];
    }

    void record(long latencyNanos) {
        long i = recorded.getAndIncrement();
        if (i < nanos.length) {
            nanos[(int) i] = latencyNanos;
        }
    }

    double percentileMs(double p) {
        return Bench.pct(sorted(), p) / 1e6;
    }

    /** mean, p50, p90, p99 and max in ms, as printed by the watch and keepalive loads. */
    String summary() {
        long[] sorted = sorted();
        return String.format("mean %.3f ms  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms",
                Bench.mean(sorted) / 1e6, Bench.pct(sorted, 0.50) / 1e6, Bench.pct(sorted, 0.90) / 1e6,
                Bench.pct(sorted, 0.99) / 1e6, sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    }

    private long[] sorted() {
        long[] sorted = Arrays.copyOf(nanos, (int) Math.min(nanos.length, recorded.get()));
        Arrays.sort(sorted);
        return sorted;
    }
}
