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
import io.kvorum.server.apply.LeaseServer;
import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Lease}, answering as etcd's v3rpc lease server does. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final LeaseServer leases;
    private final Headers headers;

    LeaseService(LeaseServer leases, Headers headers) {
        this.leases = leases;
        this.headers = headers;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
        Replies.reply(() -> leases.grant(r),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
        Replies.reply(() -> leases.revoke(r),
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
     * sends without reading is held back by gRPC flow control instead of filling memory.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> out = (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
        out.disableAutoRequest();
        FlowGate gate = new FlowGate(out);
        out.setOnReadyHandler(gate::onReady);
        out.setOnCancelHandler(() -> { });
        out.request(1);
        return new StreamObserver<>() {
            private boolean done;

            @Override
            public void onNext(LeaseKeepAliveRequest r) {
                leases.renew(r.getID()).whenComplete((ttl, failure) -> {
                    synchronized (this) {
                        if (done) {
                            return;
                        }
                        if (failure != null) {
                            done = true;
                            out.onError(Errors.toStatus(failure));
                            return;
                        }
                        out.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.current())
                                .setID(r.getID()).setTTL(ttl).build());
                    }
                    gate.next();
                });
            }

            @Override
            public void onError(Throwable t) {
                synchronized (this) {
                    done = true;
                }
            }

            @Override
            public void onCompleted() {
                synchronized (this) {
                    if (!done) {
                        done = true;
                        out.onCompleted();
                    }
                }
            }
        };
    }
}
