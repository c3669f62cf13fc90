package io.kvorum.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How the client port treats each HTTP/2 connection, as etcd's gRPC server does.
 *
 * @param maxConcurrentStreams {@code --max-concurrent-streams}: streams one connection may have open at a time
 *                             (advertised in HTTP/2's SETTINGS; a client queues the calls beyond it); etcd's
 *                             default is {@code math.MaxUint32}
 * @param keepAliveMinTime     {@code --grpc-keepalive-min-time}: a client may not PING more often while it has a
 *                             stream open (more than two PINGs too soon get GOAWAY "too_many_pings"); 0 or less
 *                             is grpc-go's own 5 minutes, as etcd then sets no policy
 * @param keepAliveInterval    {@code --grpc-keepalive-interval}: after this long without reading anything the
 *                             server PINGs the client
 * @param keepAliveTimeout     {@code --grpc-keepalive-timeout}: still nothing read this long after that PING
 *                             closes the connection; unless both it and the interval are above 0, etcd sets
 *                             neither and grpc-go's 2 h and 20 s apply
 * @see ClientKeepAlive
 */
public record ClientConnections(long maxConcurrentStreams, Duration keepAliveMinTime, Duration keepAliveInterval,
                                Duration keepAliveTimeout) {

    /** Go's {@code math.MaxUint32}, etcd's default and HTTP/2's largest value. */
    public static final long MAX_CONCURRENT_STREAMS_UNLIMITED = 0xFFFF_FFFFL;

    /** etcd's defaults. */
    public static final ClientConnections DEFAULT = new ClientConnections(MAX_CONCURRENT_STREAMS_UNLIMITED,
            Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));

    /** grpc-go's defaults, which etcd leaves in place when a value is 0. */
    static final Duration GRPC_DEFAULT_MIN_TIME = Duration.ofMinutes(5);
    static final Duration GRPC_DEFAULT_INTERVAL = Duration.ofHours(2);
    static final Duration GRPC_DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    public ClientConnections {
        if (maxConcurrentStreams < 0 || maxConcurrentStreams > MAX_CONCURRENT_STREAMS_UNLIMITED) {
            throw new IllegalArgumentException("--max-concurrent-streams must be between 0 and "
                    + MAX_CONCURRENT_STREAMS_UNLIMITED + ", got " + maxConcurrentStreams);
        }
        Objects.requireNonNull(keepAliveMinTime, "keepAliveMinTime");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    }

    /** The ping policy's minimum time as grpc-go's server applies it. */
    Duration effectiveKeepAliveMinTime() {
        return positive(keepAliveMinTime) ? keepAliveMinTime : GRPC_DEFAULT_MIN_TIME;
    }

    /** The server's ping interval as grpc-go's server applies it. */
    Duration effectiveKeepAliveInterval() {
        return serverParameters() ? keepAliveInterval : GRPC_DEFAULT_INTERVAL;
    }

    /** How long a server ping may go unanswered, as grpc-go's server applies it. */
    Duration effectiveKeepAliveTimeout() {
        return serverParameters() ? keepAliveTimeout : GRPC_DEFAULT_TIMEOUT;
    }

    /** etcd passes its interval and timeout to grpc-go only when both are above 0. */
    private boolean serverParameters() {
        return positive(keepAliveInterval) && positive(keepAliveTimeout);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
