package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.server.watch.WatchStream;

/**
 * {@code etcdserverpb.Watch}: each gRPC stream is a {@link WatchStream} of the hub. The client's
 * next request is read only while the stream's responses are being taken, so a client that sends
 * creates without reading is held back by gRPC flow control.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
    private final WatchHub hub;

    WatchService(WatchHub hub) {
        this.hub = hub;
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
                out.onNext(response);
            }
        });
        FlowGate gate = new FlowGate(out);
        out.setOnReadyHandler(() -> {
            stream.onReady();
            gate.onReady();
        });
        out.setOnCancelHandler(stream::close);
        out.request(1);
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest r) {
                switch (r.getRequestUnionCase()) {
                    case CREATE_REQUEST -> stream.create(r.getCreateRequest());
                    case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
                    case PROGRESS_REQUEST -> stream.requestProgress();
                    default -> {
                        // etcd ignores a request it does not know rather than end the stream
                    }
                }
                gate.next();
            }

            @Override
            public void onError(Throwable t) {
                stream.close();
            }

            @Override
            public void onCompleted() {
                // as etcd: the client's half-close ends the call; what was not sent yet is dropped
                stream.close(out::onCompleted);
            }
        };
    }
}
