package io.kvorum.server.grpc;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard {@code grpc.health.v1.Health} service, as etcd registers it: the server as a whole
 * (service name {@code ""}) is SERVING; any other name is unknown, as in grpc-go's health server. With
 * {@code --experimental-stop-grpc-service-on-defrag} (etcd 3.6's health notifier) it is NOT_SERVING while a
 * defragmentation runs, so clients that check health route elsewhere meanwhile; watchers see each change.
 *
 * <p>Threads: the status and the set of watchers are shared between the defragmenting thread and the gRPC
 * handlers; each change is sent to every watcher under the watcher's own lock, in the order it happened.
 */
final class HealthService extends HealthGrpc.HealthImplBase {
    private final boolean stopOnDefrag;
    private final Set<ServerCallStreamObserver<HealthCheckResponse>> watchers = ConcurrentHashMap.newKeySet();
    /** Guarded by {@code this}. */
    private ServingStatus status = ServingStatus.SERVING;

    HealthService(boolean stopOnDefrag) {
        this.stopOnDefrag = stopOnDefrag;
    }

    /** A defragmentation starts: NOT_SERVING, when the flag asks for it. */
    void defragStarted() {
        if (stopOnDefrag) {
            set(ServingStatus.NOT_SERVING);
        }
    }

    /** A defragmentation ended, well or not: SERVING again. */
    void defragFinished() {
        if (stopOnDefrag) {
            set(ServingStatus.SERVING);
        }
    }

    private synchronized void set(ServingStatus next) {
        if (next == status) {
            return;
        }
        status = next;
        HealthCheckResponse response = response(next);
        for (ServerCallStreamObserver<HealthCheckResponse> w : watchers) {
            send(w, response);
        }
    }

    private static void send(ServerCallStreamObserver<HealthCheckResponse> watcher, HealthCheckResponse response) {
        synchronized (watcher) {
            if (!watcher.isCancelled()) {
                watcher.onNext(response);
            }
        }
    }

    private static HealthCheckResponse response(ServingStatus s) {
        return HealthCheckResponse.newBuilder().setStatus(s).build();
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        if (!request.getService().isEmpty()) {
            out.onError(Status.NOT_FOUND.withDescription("unknown service").asRuntimeException());
            return;
        }
        ServingStatus now;
        synchronized (this) {
            now = status;
        }
        out.onNext(response(now));
        out.onCompleted();
    }

    /** Sends the status, then each change of it (only a defragmentation changes it, and only with the flag). */
    @Override
    public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        if (!request.getService().isEmpty()) {
            out.onNext(response(ServingStatus.SERVICE_UNKNOWN));
            return;
        }
        ServerCallStreamObserver<HealthCheckResponse> watcher = (ServerCallStreamObserver<HealthCheckResponse>) out;
        watcher.setOnCancelHandler(() -> watchers.remove(watcher));
        synchronized (this) {
            send(watcher, response(status));
            watchers.add(watcher);
        }
    }
}
