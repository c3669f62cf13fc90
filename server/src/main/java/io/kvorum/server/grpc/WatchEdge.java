package io.kvorum.server.grpc;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.DecompressorRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.netty.util.AsciiString;
import java.util.Base64;
import java.util.Map;

/**
 * The client port's {@code Watch} streams, served on their HTTP/2 streams by {@link WatchCall}
 * rather than by Armeria's gRPC call, whose per-message task and future are most of what a watch
 * event costs to deliver. It sits in front of the {@code GrpcService} and takes only what it
 * serves exactly as that would: a gRPC {@code POST} of {@code /etcdserverpb.Watch/Watch} over HTTP/2,
 * in protobuf ({@code application/grpc} or {@code application/grpc+proto}), uncompressed, with no
 * deadline (etcd's clients set none on watches). Anything else (another content type, a deadline,
 * a compressed request, HTTP/1) goes on to the {@code GrpcService}, which serves or refuses it as
 * before.
 *
 * <p>The call goes through the same interceptors as under the {@code GrpcService} (the cluster
 * checks and the gRPC metrics) and reaches the same {@link WatchService}, with the request's
 * context current as its service method runs (for {@link Callers}).
 */
final class WatchEdge implements DecoratingHttpServiceFunction {
    static final String PATH = "/" + WatchGrpc.getWatchMethod().getFullMethodName();

    /** The headers the {@code GrpcService} answers a protobuf call with. */
    static final ResponseHeaders HEADERS = responseHeaders();

    private final ServerCallHandler<WatchRequest, WatchResponse> handler;
    private final int maxRequestMessageLength;

    /**
     * @param intercepted             the Watch service with its interceptors, as the {@code GrpcService} runs it
     * @param maxRequestMessageLength the {@code GrpcService}'s bound on one request message
     */
    @SuppressWarnings("unchecked")
    WatchEdge(ServerServiceDefinition intercepted, int maxRequestMessageLength) {
        this.handler = (ServerCallHandler<WatchRequest, WatchResponse>) intercepted
                .getMethod(WatchGrpc.getWatchMethod().getFullMethodName()).getServerCallHandler();
        this.maxRequestMessageLength = maxRequestMessageLength;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (!takes(ctx, req.headers())) {
            return delegate.serve(ctx, req);
        }
        // As the GrpcService does for a call without grpc-timeout: no deadline.
        ctx.clearRequestTimeout();
        HttpResponseWriter response = HttpResponse.streaming();
        WatchCall call = new WatchCall(ctx, req, response, HEADERS, maxRequestMessageLength);
        ServerCall.Listener<WatchRequest> listener;
        try (SafeCloseable ignored = ctx.push()) {
            listener = handler.startCall(call, metadata(req.headers()));
        }
        call.start(listener);
        return response;
    }

    /** Whether the request is one this edge serves exactly as the {@code GrpcService} would. */
    static boolean takes(ServiceRequestContext ctx, RequestHeaders headers) {
        if (!PATH.equals(ctx.path()) || headers.method() != HttpMethod.POST || !ctx.sessionProtocol().isMultiplex()) {
            return false;
        }
        MediaType type = headers.contentType();
        if (type == null || !GrpcSerializationFormats.PROTO.isAccepted(type)) {
            return false;
        }
        String encoding = headers.get(GrpcHeaderNames.GRPC_ENCODING);
        return headers.get(GrpcHeaderNames.GRPC_TIMEOUT) == null && (encoding == null || "identity".equals(encoding));
    }

    /** The request's headers as gRPC metadata: every header but HTTP/2's pseudo-headers. */
    static Metadata metadata(RequestHeaders headers) {
        Metadata metadata = new Metadata();
        for (Map.Entry<AsciiString, String> h : headers) {
            String name = h.getKey().toString();
            if (name.startsWith(":")) {
                continue;
            }
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                try {
                    metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER),
                            Base64.getDecoder().decode(h.getValue().trim()));
                } catch (IllegalArgumentException e) {
                    // a binary header that is not base64: no interceptor or service reads one
                }
            } else {
                metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), h.getValue());
            }
        }
        return metadata;
    }

    private static ResponseHeaders responseHeaders() {
        String accepted = String.join(",", DecompressorRegistry.getDefaultInstance().getAdvertisedMessageEncodings());
        var builder = ResponseHeaders.builder(HttpStatus.OK)
                .contentType(GrpcSerializationFormats.PROTO.mediaType())
                .add(GrpcHeaderNames.GRPC_ENCODING, "identity");
        if (!accepted.isEmpty()) {
            builder.add(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, accepted);
        }
        return builder.build();
    }
}
