package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.metrics.StreamFailures;
import io.kvorum.server.watch.WatchHub;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import io.kvorum.server.watch.WatchStream;

/**
 * {@code etcdserverpb.Watch}: each gRPC stream is a {@link WatchStream} of the hub. The client's
 * next request is read only while the stream's responses are being taken, so a client that sends
 * creates without reading is held back by gRPC flow control.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
    private final WatchHub hub;
    private final Callers callers;
    private final KvRequests kv;
    private final StreamFailures failures;

    WatchService(WatchHub hub, Callers callers, KvRequests kv, StreamFailures failures) {
        this.hub = hub;
        this.callers = callers;
        this.kv = kv;
        this.failures = failures;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
        out.disableAutoRequest();
        WatchStream stream = hub.openStream(new WatchStream.Sink() {
            @Override
            public boolean isReady() {
                return out.isReady();
            }

            @Override
            public void send(WatchResponse response) {
                try {
                    out.onNext(response);
                } catch (RuntimeException e) {
                    failures.sendFailed(StreamFailures.WATCH, out.isCancelled(), e);
                    throw e;
                }
            }
        });
        FlowGate gate = new FlowGate(out);
        out.setOnReadyHandler(() -> {
            stream.onReady();
            gate.onReady();
        });
        out.setOnCancelHandler(stream::close);
        out.request(1);
        Callers.Credentials credentials = Callers.credentials();
        return new StreamObserver<>() {
            /** The requests handled so far, in order: each create waits for its caller's token to resolve. */
            private CompletableFuture<Void> handled = CompletableFuture.completedFuture(null);

            @Override
            public void onNext(WatchRequest r) {
                handled = handled.thenCompose(v -> handle(r)).exceptionally(e -> null);
                gate.next();
            }

            private CompletableFuture<Void> handle(WatchRequest r) {
                switch (r.getRequestUnionCase()) {
                    case CREATE_REQUEST -> {
                        return callers.caller(credentials).handle((who, failure) -> {
                            Optional<String> denied = failure != null ? Optional.of(reason(failure))
                                    : permitted(who, r.getCreateRequest());
                            if (denied.isPresent()) {
                                stream.reject(denied.get());
                            } else {
                                stream.create(r.getCreateRequest());
                            }
                            return null;
                        });
                    }
                    case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
                    case PROGRESS_REQUEST -> stream.requestProgress();
                    default -> {
                        // etcd ignores a request it does not know rather than end the stream
                    }
                }
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void onError(Throwable t) {
                failures.receiveFailed(StreamFailures.WATCH, t);
                stream.close();
            }

            @Override
            public void onCompleted() {
                // as etcd: the client's half-close only ends its requests; the watchers keep sending
                // until the client cancels the call or its connection goes (the cancel handler closes the stream)
            }
        };
    }

    /**
     * etcd's {@code isWatchPermitted}, on the key and range end as its watch server normalizes them:
     * no key is {@code \0}, and a range end of {@code \0} (from the key on) is checked as the key alone.
     */
    private Optional<String> permitted(AuthInfo who, WatchCreateRequest r) {
        byte[] key = r.getKey().isEmpty() ? new byte[] {0} : r.getKey().toByteArray();
        ByteString end = r.getRangeEnd();
        byte[] rangeEnd = end.size() == 1 && end.byteAt(0) == 0 ? new byte[0] : end.toByteArray();
        try {
            kv.auth().checkRead(who, key, rangeEnd);
            return Optional.empty();
        } catch (EtcdException e) {
            return Optional.of(reason(e));
        }
    }

    /**
     * The cancel reason etcd sends for a refused watch: any failure but the three it names is
     * "permission denied", written as Go prints a gRPC status error
     * ({@code rpc error: code = PermissionDenied desc = etcdserver: permission denied}).
     */
    private static String reason(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        EtcdError error = EtcdError.PERMISSION_DENIED;
        if (t instanceof EtcdException e && (e.error() == EtcdError.INVALID_AUTH_TOKEN
                || e.error() == EtcdError.AUTH_OLD_REVISION || e.error() == EtcdError.USER_EMPTY)) {
            error = e.error();
        }
        return "rpc error: code = " + goCodeName(error.code()) + " desc = " + error.message();
    }

    /** grpc-go's name of a status code: {@code PERMISSION_DENIED} is {@code PermissionDenied}. */
    static String goCodeName(io.grpc.Status.Code code) {
        StringBuilder name = new StringBuilder();
        for (String word : code.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return name.toString();
    }
}
