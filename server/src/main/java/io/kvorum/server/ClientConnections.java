package io.kvorum.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How the client port treats each HTTP/2 connection, as etcd's gRPC server does.
 *
 * @param maxConcurrentStreams {@code --max-concurrent-streams}: streams one connection may have open at a time
 *                             (advertised in HTTP/2's SETTINGS; a client queues the calls beyond it); etcd's
 *                             default is {@code math.MaxUint32}
 * @param keepAliveMinTime     {@code --grpc-keepalive-min-time}: accepted, not enforced (the RPC stack has no
 *                             policy for client pings)
 * @param keepAliveInterval    {@code --grpc-keepalive-interval}: accepted, not enforced
 * @param keepAliveTimeout     {@code --grpc-keepalive-timeout}: accepted, not enforced
 */
public record ClientConnections(long maxConcurrentStreams, Duration keepAliveMinTime, Duration keepAliveInterval,
                                Duration keepAliveTimeout) {

    /** Go's {@code math.MaxUint32}, etcd's default and HTTP/2's largest value. */
    public static final long MAX_CONCURRENT_STREAMS_UNLIMITED = 0xFFFF_FFFFL;

    /** etcd's defaults. */
    public static final ClientConnections DEFAULT = new ClientConnections(MAX_CONCURRENT_STREAMS_UNLIMITED,
            Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));

    public ClientConnections {
        if (maxConcurrentStreams < 0 || maxConcurrentStreams > MAX_CONCURRENT_STREAMS_UNLIMITED) {
            throw new IllegalArgumentException("--max-concurrent-streams must be between 0 and "
                    + MAX_CONCURRENT_STREAMS_UNLIMITED + ", got " + maxConcurrentStreams);
        }
        Objects.requireNonNull(keepAliveMinTime, "keepAliveMinTime");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    }
}
