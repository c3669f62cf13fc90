package io.kvorum.server.alarm;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The backend's size for the quota, measured at most once per {@code interval}: a backend may
 * take tens of microseconds to measure itself (RocksDB lists its WAL files: about 50 µs), too much
 * for every put. etcd's own figure is as old as its last backend commit, by default up to 100 ms.
 *
 * <p>Threads: any; concurrent readers may both measure when the sample expires, which is harmless.
 */
public final class SampledSize implements LongSupplier {
    /**
     * How old the size may be: well within etcd's 100 ms, and measuring at most this often costs
     * well under one percent of a core.
     */
    public static final Duration INTERVAL = Duration.ofMillis(10);

    private final LongSupplier measure;
    private final LongSupplier clock;
    private final long intervalNanos;
    private volatile Sample last;

    private record Sample(long bytes, long atNanos) {
    }

    /**
     * @param measure measures the size now
     * @param clock   monotonic nanoseconds, as {@link System#nanoTime()}
     */
    public SampledSize(LongSupplier measure, Duration interval, LongSupplier clock) {
        this.measure = measure;
        this.clock = clock;
        this.intervalNanos = interval.toNanos();
    }

    @Override
    public long getAsLong() {
        long now = clock.getAsLong();
        Sample s = last;
        if (s == null || now - s.atNanos() >= intervalNanos) {
            s = new Sample(measure.getAsLong(), now);
            last = s;
        }
        return s.bytes();
    }
}
