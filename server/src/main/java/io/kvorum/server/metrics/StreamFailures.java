package io.kvorum.server.metrics;

import io.grpc.Status;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.List;

/**
 * etcd's {@code etcd_network_server_stream_failures_total}: a watch or lease-keepalive stream
 * ({@code API} {@code watch}, {@code lease-keepalive}) failed to receive a request or to send a
 * response ({@code Type} {@code receive}, {@code send}) for a reason other than the client going
 * away, which etcd only logs at debug level. The series appear at their first failure, as etcd's.
 */
public final class StreamFailures {
    public static final String WATCH = "watch";
    public static final String LEASE_KEEPALIVE = "lease-keepalive";

    private final Family<Counter> failures;

    public StreamFailures(MetricRegistry registry) {
        failures = registry.counter("etcd_network_server_stream_failures_total",
                "The total number of stream failures from the local server.", List.of("Type", "API"));
    }

    /** The client's requests of the stream ended with {@code cause}; counted unless the client cancelled. */
    public void receiveFailed(String api, Throwable cause) {
        if (!byClient(cause)) {
            failures.labels("receive", api).inc();
        }
    }

    /** A response could not be sent; counted unless the client had cancelled the call ({@code cancelled}). */
    public void sendFailed(String api, boolean cancelled, Throwable cause) {
        if (!cancelled && !byClient(cause)) {
            failures.labels("send", api).inc();
        }
    }

    /** etcd's {@code isClientCtxErr}: the client cancelled, or its deadline passed. */
    static boolean byClient(Throwable cause) {
        Status.Code code = Status.fromThrowable(cause).getCode();
        return code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED;
    }
}
