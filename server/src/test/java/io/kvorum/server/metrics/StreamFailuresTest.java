package io.kvorum.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code etcd_network_server_stream_failures_total} counts what etcd counts: failures of a watch or
 * keepalive stream that are not the client going away; and {@code etcd_server_healthcheck(s_total)}
 * follow each check.
 */
class StreamFailuresTest {
    private final Registry registry = new Registry();

    private Map<String, Double> values(String name) {
        MetricFamily family = registry.collect().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        return family.series().stream().collect(Collectors.toMap(s -> String.join(",", s.labelValues()),
                s -> ((Series.Value) s).value()));
    }

    @Test
    void aClientsCancelOrDeadlineIsNoFailureButAnythingElseIs() {
        StreamFailures failures = new StreamFailures(registry);
        failures.receiveFailed(StreamFailures.WATCH, Status.CANCELLED.asRuntimeException());
        failures.receiveFailed(StreamFailures.WATCH, Status.DEADLINE_EXCEEDED.asRuntimeException());
        failures.sendFailed(StreamFailures.LEASE_KEEPALIVE, true, new IllegalStateException("call already closed"));
        assertEquals(Map.of(), values("etcd_network_server_stream_failures_total"), "no series before a failure, as etcd's");

        failures.receiveFailed(StreamFailures.WATCH, Status.INTERNAL.withDescription("bad frame").asRuntimeException());
        failures.sendFailed(StreamFailures.WATCH, false, new IllegalStateException("call already closed"));
        failures.sendFailed(StreamFailures.LEASE_KEEPALIVE, false, Status.UNAVAILABLE.asRuntimeException());
        failures.sendFailed(StreamFailures.LEASE_KEEPALIVE, false, Status.UNAVAILABLE.asRuntimeException());
        assertEquals(Map.of("receive,watch", 1.0, "send,watch", 1.0, "send,lease-keepalive", 2.0),
                values("etcd_network_server_stream_failures_total"));
    }

    @Test
    void eachHealthCheckSetsItsGaugeAndCountsItsOutcome() {
        ServerMetrics metrics = new ServerMetrics(registry);
        metrics.healthChecked("readyz", "linearizable_read", true);
        metrics.healthChecked("readyz", "linearizable_read", false);
        metrics.healthChecked("livez", "serializable_read", true);
        assertEquals(Map.of("readyz,linearizable_read", 0.0, "livez,serializable_read", 1.0),
                values("etcd_server_healthcheck"));
        assertEquals(Map.of("readyz,linearizable_read,success", 1.0, "readyz,linearizable_read,error", 1.0,
                "livez,serializable_read,success", 1.0), values("etcd_server_healthchecks_total"));
    }
}
