package io.kvorum.server.grpc;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.kvorum.api.etcdserverpb.AuthGrpc;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.server.apply.AuthServer;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.RpcProto;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.server.apply.KvServer;
import io.kvorum.server.apply.LeaseServer;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.server.concurrency.ElectionServer;
import io.kvorum.server.concurrency.LockServer;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.consensus.Consensus;
import java.time.Duration;
import java.util.concurrent.Executor;

/** The client port's gRPC services, ready to be bound to a listener. */
public final class ClientApi {
    /** etcd lets gRPC accept this much more than --max-request-bytes before the request-size check. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    private final GrpcService grpc;

    public ClientApi(KvServer kv, LeaseServer leases, AuthServer auth, WatchHub watchHub, Consensus consensus,
                     Backend backend, Executor blocking, int maxTxnOps, long maxRequestBytes, Duration electionTimeout) {
        Headers headers = new Headers(consensus, kv);
        Callers callers = new Callers(auth);
        this.grpc = GrpcService.builder()
                .addService(new KvService(kv, new RequestChecks(maxTxnOps), headers, callers))
                .addService(new WatchService(watchHub, callers, kv))
                .addService(new LeaseService(leases, headers, callers))
                .addService(new LockService(new LockServer(kv, leases, watchHub), headers, callers, kv))
                .addService(new ElectionService(new ElectionServer(kv, leases, watchHub), headers, callers, kv))
                .addService(new ClusterService(consensus, headers, callers))
                .addService(new MaintenanceService(consensus, kv, backend, headers, blocking, callers))
                .addService(new AuthService(auth, callers, headers))
                .addService(new HealthService())
                .intercept(new ClusterInterceptor(consensus, electionTimeout))
                .maxRequestMessageLength((int) Math.min(Integer.MAX_VALUE, maxRequestBytes + GRPC_OVERHEAD_BYTES))
                .maxResponseMessageLength(Integer.MAX_VALUE)
                // Handlers never block: writes wait on the apply loop, reads run on the read executor.
                .useBlockingTaskExecutor(false)
                // etcd clients speak gRPC's protobuf format only (the JSON gateway is separate).
                .supportedSerializationFormats(GrpcSerializationFormats.PROTO)
                .build();
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

    public void bindTo(ServerBuilder sb) {
        sb.service(grpc);
    }

    /** The services as one, for a request already routed elsewhere (one held while the member started). */
    public HttpService service() {
        return grpc;
    }
}
