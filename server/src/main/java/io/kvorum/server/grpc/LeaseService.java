package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseLeasesRequest;
import io.kvorum.api.etcdserverpb.LeaseLeasesResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeResponse;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.server.metrics.StreamFailures;
import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Lease}, answering as etcd's v3rpc lease server does. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final LeaseRequests leases;
    private final Headers headers;
    private final Callers callers;
    private final StreamFailures failures;

    LeaseService(LeaseRequests leases, Headers headers, Callers callers, StreamFailures failures) {
        this.leases = leases;
        this.failures = failures;
        this.callers = callers;
        this.headers = headers;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> leases.grant(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> leases.revoke(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
        Replies.reply(() -> leases.timeToLive(r),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
        Replies.reply(() -> CompletableFuture.completedFuture(leases.leases()),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    /**
     * Answers each keepalive in order, one at a time, as etcd's loop does: the next request is read
     * only once the previous answer is handed to a transport that can take it, so a client that
     * sends without reading is held back by gRPC flow control instead of filling memory. The
     * client's half-close ends the call with OK once the renewal in flight is answered (etcd reads
     * the end of the stream only after its last answer); its cancel drops that answer.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> out = (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
        out.disableAutoRequest();
        FlowGate gate = new FlowGate(out);
        out.setOnReadyHandler(gate::onReady);
        KeepAliveCall call = new KeepAliveCall(out, gate);
        out.setOnCancelHandler(call::cancelled);
        out.request(1);
        return call;
    }

    /** One client's keepalive stream; its fields are guarded by this. */
    private final class KeepAliveCall implements StreamObserver<LeaseKeepAliveRequest> {
        private final ServerCallStreamObserver<LeaseKeepAliveResponse> out;
        private final FlowGate gate;
        private boolean done;
        private boolean renewing;
        private boolean halfClosed;

        KeepAliveCall(ServerCallStreamObserver<LeaseKeepAliveResponse> out, FlowGate gate) {
            this.out = out;
            this.gate = gate;
        }

        @Override
        public void onNext(LeaseKeepAliveRequest r) {
            synchronized (this) {
                renewing = true;
            }
            CompletableFuture<Long> renewal;
            try {
                renewal = leases.renew(r.getID());
            } catch (RuntimeException e) {
                renewal = CompletableFuture.failedFuture(e);
            }
            renewal.whenComplete((ttl, failure) -> {
                synchronized (this) {
                    renewing = false;
                    if (done) {
                        return;
                    }
                    if (failure != null) {
                        done = true;
                        out.onError(Errors.toStatus(failure));
                        return;
                    }
                    try {
                        out.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.current())
                                .setID(r.getID()).setTTL(ttl).build());
                    } catch (RuntimeException e) {
                        // the call is gone: nothing more to answer on it
                        done = true;
                        failures.sendFailed(StreamFailures.LEASE_KEEPALIVE, out.isCancelled(), e);
                        return;
                    }
                    if (halfClosed) {
                        done = true;
                        out.onCompleted();
                        return;
                    }
                }
                gate.next();
            });
        }

        synchronized void cancelled() {
            done = true;
        }

        @Override
        public synchronized void onError(Throwable t) {
            done = true;
            failures.receiveFailed(StreamFailures.LEASE_KEEPALIVE, t);
        }

        @Override
        public synchronized void onCompleted() {
            if (done) {
                return;
            }
            if (renewing) {
                halfClosed = true;
                return;
            }
            done = true;
            out.onCompleted();
        }
    }
}
