package io.kvorum.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.metrics.Series;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcMetricsTest {
    private static final MethodDescriptor.Marshaller<String> STRINGS = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes());
        }

        @Override
        public String parse(InputStream stream) {
            return "";
        }
    };
    private static final MethodDescriptor<String, String> RANGE = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("etcdserverpb.KV/Range")
            .setRequestMarshaller(STRINGS).setResponseMarshaller(STRINGS).build();
    private static final MethodDescriptor<String, String> WATCH = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("etcdserverpb.Watch/Watch")
            .setRequestMarshaller(STRINGS).setResponseMarshaller(STRINGS).build();

    private final Registry registry = new Registry();

    private GrpcMetrics metrics(MetricsLevel level) {
        ServerCallHandler<String, String> handler = (call, headers) -> new ServerCall.Listener<>() { };
        return new GrpcMetrics(registry, level, List.of(
                ServerServiceDefinition.builder("etcdserverpb.KV").addMethod(RANGE, handler).build(),
                ServerServiceDefinition.builder("etcdserverpb.Watch").addMethod(WATCH, handler).build()));
    }

    private double value(String family, String... labels) {
        MetricFamily f = registry.collect().stream().filter(m -> m.name().equals(family)).findFirst().orElseThrow();
        return f.series().stream().filter(s -> s.labelValues().equals(List.of(labels))).findFirst()
                .map(s -> s instanceof Series.Value v ? v.value() : (double) ((Series.Distribution) s).count())
                .orElseThrow(() -> new AssertionError(family + " has no series " + List.of(labels)));
    }

    /** A call that answers {@code code} after one message each way. */
    private static void call(GrpcMetrics metrics, MethodDescriptor<String, String> method, Status.Code code) {
        ServerCall<String, String> call = new ServerCall<>() {
            @Override
            public void request(int numMessages) {
            }

            @Override
            public void sendHeaders(Metadata headers) {
            }

            @Override
            public void sendMessage(String message) {
            }

            @Override
            public void close(Status status, Metadata trailers) {
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public MethodDescriptor<String, String> getMethodDescriptor() {
                return method;
            }
        };
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("client-api-version", Metadata.ASCII_STRING_MARSHALLER), "3.4");
        ServerCallHandler<String, String> answering = (ServerCall<String, String> c, Metadata h) -> new ServerCall.Listener<>() {
            @Override
            public void onMessage(String message) {
                c.sendMessage("answer");
                c.close(Status.fromCode(code), new Metadata());
            }
        };
        ServerCall.Listener<String> listener = metrics.interceptCall(call, headers, answering);
        listener.onMessage("request");
    }

    @Test
    void everyMethodAndCodeStartsAtZero() {
        metrics(MetricsLevel.BASIC);
        assertEquals(0, value("grpc_server_started_total", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(0, value("grpc_server_started_total", "bidi_stream", "etcdserverpb.Watch", "Watch"));
        assertEquals(0, value("grpc_server_handled_total", "unary", "etcdserverpb.KV", "Range", "DataLoss"));
        assertEquals(0, value("grpc_server_msg_sent_total", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(17 * 2, registry.collect().stream().filter(f -> f.name().equals("grpc_server_handled_total"))
                .findFirst().orElseThrow().series().size(), "every code of every method");
        assertTrue(registry.collect().stream().noneMatch(f -> f.name().equals("grpc_server_handling_seconds")),
                "the histogram only with --metrics extensive");
    }

    @Test
    void aCallIsCountedStartedHandledWithItsCodeAndItsMessages() {
        GrpcMetrics metrics = metrics(MetricsLevel.EXTENSIVE);
        call(metrics, RANGE, Status.Code.OK);
        call(metrics, RANGE, Status.Code.INVALID_ARGUMENT);
        call(metrics, WATCH, Status.Code.CANCELLED);
        assertEquals(2, value("grpc_server_started_total", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(1, value("grpc_server_handled_total", "unary", "etcdserverpb.KV", "Range", "OK"));
        assertEquals(1, value("grpc_server_handled_total", "unary", "etcdserverpb.KV", "Range", "InvalidArgument"));
        assertEquals(1, value("grpc_server_handled_total", "bidi_stream", "etcdserverpb.Watch", "Watch", "Canceled"));
        assertEquals(2, value("grpc_server_msg_received_total", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(2, value("grpc_server_msg_sent_total", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(2, value("grpc_server_handling_seconds", "unary", "etcdserverpb.KV", "Range"));
        assertEquals(2, value("etcd_server_client_requests_total", "unary", "3.4"));
        assertEquals(1, value("etcd_server_client_requests_total", "stream", "3.4"));
    }
}
