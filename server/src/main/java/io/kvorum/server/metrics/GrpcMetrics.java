package io.kvorum.server.metrics;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.spi.metrics.MetricsLevel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * go-grpc-prometheus' server metrics, as etcd registers them: {@code grpc_server_started_total},
 * {@code grpc_server_handled_total} (with {@code grpc_code}), {@code grpc_server_msg_received_total},
 * {@code grpc_server_msg_sent_total}, and with {@code --metrics extensive}
 * {@code grpc_server_handling_seconds}; each pre-initialized at 0 for every method of the services
 * given (and every code), as {@code grpc_prometheus.Register} does. Also etcd's
 * {@code etcd_network_client_grpc_{sent,received}_bytes_total} and
 * {@code etcd_server_client_requests_total}.
 *
 * <p>A call costs one lookup of its method in an immutable map; every child is resolved up front.
 */
public final class GrpcMetrics implements ServerInterceptor {
    /** Go's names of the gRPC codes, by code number. */
    private static final String[] CODES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
        "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
        "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};
    /** Client versions counted apart; others count as {@code unknown} (the header is the client's to choose). */
    private static final int MAX_CLIENT_VERSIONS = 32;
    private static final Metadata.Key<String> CLIENT_API_VERSION =
            Metadata.Key.of("client-api-version", Metadata.ASCII_STRING_MARSHALLER);

    private final Map<String, Method> methods;
    private final Counter sentBytes;
    private final Counter receivedBytes;
    private final Family<Counter> clientRequests;
    private final Map<String, Counter[]> clientRequestsByVersion = new ConcurrentHashMap<>();

    public GrpcMetrics(MetricRegistry registry, MetricsLevel level, List<ServerServiceDefinition> services) {
        List<String> labels = List.of("grpc_type", "grpc_service", "grpc_method");
        Family<Counter> started = registry.counter("grpc_server_started_total",
                "Total number of RPCs started on the server.", labels);
        Family<Counter> handled = registry.counter("grpc_server_handled_total",
                "Total number of RPCs completed on the server, regardless of success or failure.",
                List.of("grpc_type", "grpc_service", "grpc_method", "grpc_code"));
        Family<Counter> received = registry.counter("grpc_server_msg_received_total",
                "Total number of RPC stream messages received on the server.", labels);
        Family<Counter> sent = registry.counter("grpc_server_msg_sent_total",
                "Total number of gRPC stream messages sent by the server.", labels);
        Family<Histogram> handling = level == MetricsLevel.EXTENSIVE
                ? registry.histogram("grpc_server_handling_seconds",
                        "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
                        Buckets.DEFAULT, labels)
                : null;
        Map<String, Method> byName = new HashMap<>();
        for (ServerServiceDefinition service : services) {
            for (var m : service.getMethods()) {
                MethodDescriptor<?, ?> d = m.getMethodDescriptor();
                String type = type(d.getType());
                String svc = d.getServiceName();
                String name = d.getBareMethodName();
                Counter[] byCode = new Counter[CODES.length];
                for (int c = 0; c < CODES.length; c++) {
                    byCode[c] = handled.labels(type, svc, name, CODES[c]);
                }
                byName.put(d.getFullMethodName(), new Method(started.labels(type, svc, name), byCode,
                        received.labels(type, svc, name), sent.labels(type, svc, name),
                        handling == null ? null : handling.labels(type, svc, name),
                        d.getType() == MethodDescriptor.MethodType.UNARY ? 0 : 1));
            }
        }
        methods = Map.copyOf(byName);
        sentBytes = registry.counter("etcd_network_client_grpc_sent_bytes_total",
                "The total number of bytes sent to grpc clients.");
        receivedBytes = registry.counter("etcd_network_client_grpc_received_bytes_total",
                "The total number of bytes received from grpc clients.");
        clientRequests = registry.counter("etcd_server_client_requests_total",
                "The total number of client requests per client version.", List.of("type", "client_api_version"));
    }

    private record Method(Counter started, Counter[] handled, Counter received, Counter sent, Histogram handling,
                          int requestType) {
    }

    private static String type(MethodDescriptor.MethodType type) {
        return switch (type) {
            case UNARY -> "unary";
            case CLIENT_STREAMING -> "client_stream";
            case SERVER_STREAMING -> "server_stream";
            case BIDI_STREAMING -> "bidi_stream";
            case UNKNOWN -> "unknown";
        };
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Method m = methods.get(call.getMethodDescriptor().getFullMethodName());
        if (m == null) {
            return next.startCall(call, headers);
        }
        m.started.inc();
        clientRequests(headers.get(CLIENT_API_VERSION))[m.requestType].inc();
        long start = m.handling == null ? 0 : System.nanoTime();
        ServerCall<Q, A> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(A message) {
                m.sent.inc();
                sentBytes.inc(size(message));
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                m.handled[status.getCode().value()].inc();
                if (m.handling != null) {
                    m.handling.observeNanos(System.nanoTime() - start);
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
            @Override
            public void onMessage(Q message) {
                m.received.inc();
                receivedBytes.inc(size(message));
                super.onMessage(message);
            }
        };
    }

    /** The unary and stream counters of a client version, resolved once per version. */
    private Counter[] clientRequests(String version) {
        String v = version == null || version.isEmpty() ? "unknown" : version;
        Counter[] counters = clientRequestsByVersion.get(v);
        if (counters == null) {
            if (clientRequestsByVersion.size() >= MAX_CLIENT_VERSIONS) {
                v = "unknown";
            }
            counters = clientRequestsByVersion.computeIfAbsent(v, ver -> new Counter[] {
                clientRequests.labels("unary", ver), clientRequests.labels("stream", ver)});
        }
        return counters;
    }

    private static int size(Object message) {
        return message instanceof MessageLite m ? m.getSerializedSize() : 0;
    }
}
