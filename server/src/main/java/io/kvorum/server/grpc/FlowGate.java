package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * Reads a stream's next request only while its responses are being taken: requests one more
 * message when asked to and the transport is ready, else as soon as it becomes ready.
 */
final class FlowGate {
    private final ServerCallStreamObserver<?> out;
    private boolean wanted;

    FlowGate(ServerCallStreamObserver<?> out) {
        this.out = out;
    }

    /** The last request is handled: read the next one when the client is reading ours. */
    synchronized void next() {
        if (out.isReady()) {
            out.request(1);
        } else {
            wanted = true;
        }
    }

    synchronized void onReady() {
        if (wanted && out.isReady()) {
            wanted = false;
            out.request(1);
        }
    }
}
