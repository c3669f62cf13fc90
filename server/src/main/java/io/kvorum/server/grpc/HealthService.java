package io.kvorum.server.grpc;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

/**
 * The standard {@code grpc.health.v1.Health} service, as etcd registers it: the server as a whole
 * (service name {@code ""}) is SERVING; any other name is unknown, as in grpc-go's health server.
 */
final class HealthService extends HealthGrpc.HealthImplBase {
    private static final HealthCheckResponse SERVING =
            HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build();

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        if (!request.getService().isEmpty()) {
            out.onError(Status.NOT_FOUND.withDescription("unknown service").asRuntimeException());
            return;
        }
        out.onNext(SERVING);
        out.onCompleted();
    }

    /** Sends the status once; it never changes while the member serves, so the stream stays quiet. */
    @Override
    public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        out.onNext(request.getService().isEmpty() ? SERVING : HealthCheckResponse.newBuilder()
                .setStatus(HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN).build());
    }
}
