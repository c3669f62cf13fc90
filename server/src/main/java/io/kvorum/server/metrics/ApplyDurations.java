package io.kvorum.server.metrics;

import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Histogram;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd 3.5's {@code etcd_server_apply_duration_seconds}: how long the apply of each committed
 * request took, by {@code version} ({@code v3}, or {@code v2} for a v2 store request), {@code op}
 * (etcd's name of the request: {@code Put}, {@code Txn}, {@code LeaseGrant}, {@code AuthUserAdd}, …;
 * a v2 request's method) and {@code success} ({@code true} unless the request failed, a compacted
 * revision counting as success as etcd counts it). A series appears at its first apply, as etcd's.
 *
 * <p>Recorded on the apply thread; the children are resolved once per label combination and kept.
 */
public final class ApplyDurations {
    /** More ops than etcd has requests can only come from v2 methods no client sends; they share one series. */
    private static final int MAX_SERIES = 256;

    private final Family<Histogram> family;
    private final Map<String, Histogram> children = new ConcurrentHashMap<>();

    ApplyDurations(Family<Histogram> family) {
        this.family = family;
    }

    public void observe(String version, String op, boolean success, long nanos) {
        String key = version + '/' + op + '/' + success;
        Histogram child = children.get(key);
        if (child == null) {
            if (children.size() >= MAX_SERIES) {
                observe(version, "unknown", success, nanos);
                return;
            }
            child = children.computeIfAbsent(key, k -> family.labels(version, op, Boolean.toString(success)));
        }
        child.observeNanos(nanos);
    }
}
