package io.kvorum.server.request;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique request ids, as etcd makes them: the low 16 bits of the member id on top, then a
 * millisecond timestamp taken at start and a counter, so ids from different members and
 * different runs do not collide.
 */
final class RequestIds {
    private final long prefix;
    private final AtomicLong suffix;

    RequestIds(long memberId, long nowMillis) {
        this.prefix = memberId << 48;
        this.suffix = new AtomicLong((nowMillis & ((1L << 40) - 1)) << 8);
    }

    long next() {
        return prefix | (suffix.incrementAndGet() & ((1L << 48) - 1));
    }
}
