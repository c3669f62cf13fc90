package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.Status;
import java.io.IOException;

/**
 * A call, snapshot or stream to a peer that did not succeed: either the peer could not be reached
 * ({@link #unreachable()}), or it answered with an error (its handler failed, or it refused us,
 * e.g. for a cluster ID mismatch), whose description is in the message.
 */
public final class PeerCallException extends IOException {
    private final boolean unreachable;

    PeerCallException(String message, boolean unreachable, Throwable cause) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** {@code what} ended with {@code status}; unreachable when gRPC could not reach the peer. */
    static PeerCallException of(String what, Status status) {
        String description = status.getDescription();
        return new PeerCallException(what + ": " + status.getCode() + (description == null ? "" : " " + description),
                status.getCode() == Status.Code.UNAVAILABLE, status.getCause());
    }

    /** True when the peer was not reached at all, so trying another of its URLs may help. */
    public boolean unreachable() {
        return unreachable;
    }
}
