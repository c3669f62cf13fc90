package io.kvorum.server.gateway;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * etcd's gRPC-JSON gateway: every method of the client services with a {@code google.api.http}
 * binding is served at its {@code POST} path, and again under etcd's legacy {@code /v3beta}
 * prefix. The call goes through the services as given, interceptors included, with the request's
 * {@code Authorization} header (and any {@code Grpc-Metadata-*} header) as gRPC metadata.
 *
 * <p>A stream's body holds its request messages, one JSON object after another. etcd's watch
 * server ignores a client's half-close and keeps watching; so a watch here keeps its client side
 * open until the HTTP client goes away, while the other streams end theirs after the body, as
 * etcd's gateway does.
 */
public final class JsonGateway implements HttpService {
    private static final String LEGACY_PREFIX = "/v3beta/";
    private static final String PREFIX = "/v3/";
    private static final Set<String> KEEPS_OPEN = Set.of("etcdserverpb.Watch/Watch");
    private static final String METADATA_HEADER_PREFIX = "grpc-metadata-";
    /** The JSON of a body is at most this many times the bytes of its message (base64, field names). */
    private static final int JSON_EXPANSION = 2;
    private static final long JSON_OVERHEAD_BYTES = 512 * 1024;

    record Route(ServerMethodDefinition<?, ?> method, Message requestPrototype) {
    }

    /** etcd's answer to a gateway call whose client certificate names a user while auth is on. */
    static final String COMMON_NAME_IGNORED =
            "CommonName of client sending a request against gateway will be ignored and not used as expected\n";

    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final long maxBodyBytes;
    private final Predicate<ServiceRequestContext> certificateNamesUser;

    /**
     * @param services        the services, with their interceptors, as the gRPC port serves them
     * @param maxRequestBytes {@code --max-request-bytes}; a JSON body may be a few times larger
     */
    public JsonGateway(List<ServerServiceDefinition> services, long maxRequestBytes) {
        this(services, maxRequestBytes, ctx -> false);
    }

    /**
     * @param certificateNamesUser whether a request's verified client certificate would name a user
     *                             ({@code --client-cert-auth}, auth on, a common name): etcd refuses
     *                             such gateway calls rather than ignore the name silently
     */
    public JsonGateway(List<ServerServiceDefinition> services, long maxRequestBytes,
                       Predicate<ServiceRequestContext> certificateNamesUser) {
        this.maxBodyBytes = JSON_EXPANSION * maxRequestBytes + JSON_OVERHEAD_BYTES;
        this.certificateNamesUser = certificateNamesUser;
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                if (!(method.getMethodDescriptor().getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier schema)
                        || !(method.getMethodDescriptor().getRequestMarshaller()
                        instanceof MethodDescriptor.PrototypeMarshaller<?> request)) {
                    continue;
                }
                Descriptors.MethodDescriptor descriptor = schema.getMethodDescriptor();
                if (!descriptor.getOptions().hasExtension(AnnotationsProto.http)) {
                    continue;
                }
                HttpRule rule = descriptor.getOptions().getExtension(AnnotationsProto.http);
                Route route = new Route(method, (Message) request.getMessagePrototype());
                bind(rule, route);
                rule.getAdditionalBindingsList().forEach(binding -> bind(binding, route));
            }
        }
    }

    private void bind(HttpRule rule, Route route) {
        String path = rule.getPost();
        if (path.startsWith(PREFIX)) {
            routes.putIfAbsent(path, route);
            routes.putIfAbsent(LEGACY_PREFIX + path.substring(PREFIX.length()), route);
        }
    }

    /** The method served at {@code path}, or null. */
    Route route(String path) {
        return routes.get(path);
    }

    boolean certificateNamesUser(ServiceRequestContext ctx) {
        return certificateNamesUser.test(ctx);
    }

    long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * This gateway, and the same paths over a websocket ({@link GatewaySocket}) for a request that
     * asks to upgrade, as etcd's gateway behind its websocket proxy: any origin, the {@code Bearer}
     * subprotocol.
     */
    public HttpService withWebSockets() {
        return WebSocketService.builder(new GatewaySocket(this))
                .fallbackService(this)
                .allowedOrigins("*")
                .subprotocols("Bearer")
                .maxFramePayloadLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                .build();
    }

    /** The paths served, {@code /v3/...} and {@code /v3beta/...}. */
    public Set<String> paths() {
        return routes.keySet();
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (certificateNamesUser.test(ctx)) {
            return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, COMMON_NAME_IGNORED);
        }
        Route route = routes.get(ctx.path());
        if (route == null) {
            // as grpc-gateway's mux answers a path it does not know
            return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8, "Not Found\n");
        }
        if (req.method() != HttpMethod.POST) {
            return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED, MediaType.PLAIN_TEXT_UTF_8, "Method Not Allowed\n");
        }
        ctx.setMaxRequestLength(maxBodyBytes);
        Metadata metadata = metadata(req);
        return HttpResponse.of(req.aggregate().thenApply(body -> call(ctx, route, body.content().array(), metadata)));
    }

    private static HttpResponse call(ServiceRequestContext ctx, Route route, byte[] body, Metadata metadata) {
        ServerMethodDefinition<?, ?> method = route.method();
        boolean unaryRequest = method.getMethodDescriptor().getType().clientSendsOneMessage();
        List<Message> requests;
        try {
            requests = GatewayJson.parse(body, route.requestPrototype(), unaryRequest);
        } catch (InvalidProtocolBufferException e) {
            // grpc-gateway: a unary body that does not decode is InvalidArgument; a stream's, Unknown
            return GatewayJson.error((unaryRequest ? Status.INVALID_ARGUMENT : Status.UNKNOWN)
                    .withDescription(e.getMessage()));
        }
        if (unaryRequest && requests.size() != 1) {
            // an empty body is the empty request; only the first of several objects is read
            requests = List.of(requests.isEmpty() ? route.requestPrototype() : requests.get(0));
        }
        boolean halfClose = !KEEPS_OPEN.contains(method.getMethodDescriptor().getFullMethodName());
        return start(ctx, method, metadata, requests, halfClose);
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> HttpResponse start(ServiceRequestContext ctx, ServerMethodDefinition<Q, R> method,
                                             Metadata metadata, List<Message> requests, boolean halfClose) {
        return GatewayCall.start(ctx, method.getMethodDescriptor(), method.getServerCallHandler(), metadata,
                (List<Q>) requests, halfClose);
    }

    /** etcd's gateway passes {@code Authorization} on as metadata {@code authorization}, and {@code Grpc-Metadata-X} as {@code x}. */
    private static Metadata metadata(HttpRequest req) {
        Metadata metadata = new Metadata();
        req.headers().forEach((name, value) -> {
            String header = name.toString();
            if (header.equals("authorization")) {
                metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
            } else if (header.startsWith(METADATA_HEADER_PREFIX) && !header.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                try {
                    metadata.put(Metadata.Key.of(header.substring(METADATA_HEADER_PREFIX.length()),
                            Metadata.ASCII_STRING_MARSHALLER), value);
                } catch (IllegalArgumentException e) {
                    // not a valid gRPC metadata name: not passed on
                }
            }
        });
        return metadata;
    }
}
