package io.kvorum.server.grpc;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.kvorum.api.etcdserverpb.AuthGrpc;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.kvorum.server.gateway.JsonGateway;
import io.kvorum.server.metrics.GrpcMetrics;
import io.kvorum.server.metrics.StreamFailures;
import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.spi.metrics.MetricsLevel;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.server.request.AuthRequests;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.RpcProto;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.server.concurrency.ElectionRecipe;
import io.kvorum.server.concurrency.LockRecipe;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.consensus.Consensus;
import java.time.Duration;
import java.util.concurrent.Executor;

/** The client port's gRPC services, and etcd's JSON gateway over them, ready to be bound to a listener. */
public final class ClientApi {
    /** etcd lets gRPC accept this much more than --max-request-bytes before the request-size check. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    /**
     * The streams that send many responses, whose queued responses leave together (see
     * {@link CoalescedResponse}): a lease's keep-alive answers, and the watch streams the
     * {@link WatchEdge} leaves to the {@code GrpcService}.
     */
    private static final Set<String> COALESCED = Set.of(
            WatchEdge.PATH, "/" + LeaseGrpc.SERVICE_NAME + "/LeaseKeepAlive");

    private final GrpcService grpc;
    private final Function<? super HttpService, ? extends HttpService> coalesced =
            CoalescedResponse.decorator(COALESCED);
    private final Function<? super HttpService, ? extends HttpService> watchEdge;
    private final JsonGateway gateway;

    public ClientApi(KvRequests kv, LeaseRequests leases, AuthRequests auth, WatchHub watchHub, Consensus consensus,
                     Backend backend, Executor blocking, int maxTxnOps, long maxRequestBytes, Duration electionTimeout,
                     MetricRegistry metrics, MetricsLevel level, boolean clientCertAuth,
                     boolean stopGrpcServiceOnDefrag) {
        Headers headers = new Headers(consensus, kv);
        HealthService health = new HealthService(stopGrpcServiceOnDefrag);
        Callers callers = new Callers(auth, clientCertAuth);
        StreamFailures streamFailures = new StreamFailures(metrics);
        WatchService watch = new WatchService(watchHub, callers, kv, streamFailures);
        List<BindableService> services = List.of(
                new KvService(kv, new RequestChecks(maxTxnOps), headers, callers),
                watch,
                new LeaseService(leases, headers, callers, streamFailures),
                new LockService(new LockRecipe(kv, leases, watchHub), headers, callers, kv),
                new ElectionService(new ElectionRecipe(kv, leases, watchHub), headers, callers, kv),
                new ClusterService(consensus, headers, callers, metrics),
                new MaintenanceService(consensus, kv, backend, headers, blocking, callers, health, metrics),
                new AuthService(auth, callers, headers),
                health);
        ServerInterceptor cluster = new ClusterInterceptor(consensus, electionTimeout);
        // Counted first, as etcd's grpc_prometheus interceptor comes first: a call the cluster check refuses counts too.
        ServerInterceptor counted = new GrpcMetrics(metrics, level,
                services.stream().map(BindableService::bindService).toList());
        GrpcServiceBuilder builder = GrpcService.builder();
        services.forEach(builder::addService);
        int maxRequestMessageLength = (int) Math.min(Integer.MAX_VALUE, maxRequestBytes + GRPC_OVERHEAD_BYTES);
        this.grpc = builder
                .intercept(cluster, counted)
                .maxRequestMessageLength(maxRequestMessageLength)
                .maxResponseMessageLength(Integer.MAX_VALUE)
                // Handlers never block: writes wait on the apply loop, reads run on the read executor.
                .useBlockingTaskExecutor(false)
                // etcd clients speak gRPC's protobuf format only (the JSON gateway is separate).
                .supportedSerializationFormats(GrpcSerializationFormats.PROTO)
                .build();
        // The watch edge and the gateway call the same services through the same interceptors.
        List<ServerServiceDefinition> intercepted = services.stream()
                .map(s -> ServerInterceptors.intercept(s, cluster, counted))
                .toList();
        WatchEdge edge = new WatchEdge(intercepted.get(services.indexOf(watch)), maxRequestMessageLength);
        this.watchEdge = delegate -> delegate.decorate(edge);
        this.gateway = new JsonGateway(intercepted, maxRequestBytes,
                ctx -> clientCertAuth && auth.enabled() && Callers.commonName(ctx.sslSession()).isPresent());
    }

    /**
     * Loads the gRPC services' classes and descriptors, the slow part of building them (about a
     * second), so that a caller can do it while other start-up work goes on.
     */
    public static void preload() {
        KVGrpc.getServiceDescriptor();
        WatchGrpc.getServiceDescriptor();
        LeaseGrpc.getServiceDescriptor();
        LockGrpc.getServiceDescriptor();
        ElectionGrpc.getServiceDescriptor();
        ClusterGrpc.getServiceDescriptor();
        MaintenanceGrpc.getServiceDescriptor();
        AuthGrpc.getServiceDescriptor();
        RpcProto.getDescriptor();
    }

    /** Binds the services; an HTTP/2 gRPC {@code Watch} stream is taken by the {@link WatchEdge} in front of them. */
    public void bindTo(ServerBuilder sb) {
        sb.service(grpc, coalesced, watchEdge);
    }

    /** etcd's gRPC-JSON gateway over the same services, to be bound at its {@link JsonGateway#paths()}. */
    public JsonGateway gateway() {
        return gateway;
    }

    /** The services as one, for a request already routed elsewhere (one held while the member started). */
    public HttpService service() {
        return grpc.decorate(coalesced).decorate(watchEdge);
    }
}
