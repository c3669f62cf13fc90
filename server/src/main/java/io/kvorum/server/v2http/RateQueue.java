package io.kvorum.server.v2http;

/**
 * etcd's {@code statsQueue}: the last 200 appends sent (or received), when and how large, from
 * which {@code /v2/stats/self} computes packets and bytes per second. A queue whose newest entry
 * is over a second old counts as idle: its rates are 0 and it is cleared. Guarded by the
 * {@link PeerStats} that owns it.
 */
final class RateQueue {
    private static final int CAPACITY = 200;
    private static final long SECOND = 1_000_000_000L;

    private final long[] times = new long[CAPACITY];
    private final int[] sizes = new int[CAPACITY];
    private int size;
    private int front;
    private int back = -1;
    private long totalBytes;

    /** Adds an entry of {@code bytes} at {@code nanos} ({@link System#nanoTime}), dropping the oldest when full. */
    void insert(long nanos, int bytes) {
        back = (back + 1) % CAPACITY;
        if (size == CAPACITY) {
            totalBytes -= sizes[front];
            front = (back + 1) % CAPACITY;
        } else {
            size++;
        }
        times[back] = nanos;
        sizes[back] = bytes;
        totalBytes += bytes;
    }

    /**
     * Packets and bytes per second over the entries held, as of {@code now}; both 0 when idle.
     * Entries all at one instant give Go's division by a zero duration: +Inf (or NaN).
     */
    double[] rates(long now) {
        if (size == 0) {
            return new double[] {0, 0};
        }
        if (now - times[back] > SECOND) {
            size = 0;
            front = 0;
            back = -1;
            totalBytes = 0;
            return new double[] {0, 0};
        }
        double sample = times[back] - times[front];
        return new double[] {size / sample * SECOND, totalBytes / sample * SECOND};
    }
}
