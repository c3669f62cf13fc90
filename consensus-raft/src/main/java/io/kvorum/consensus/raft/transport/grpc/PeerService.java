package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EncodingException;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.transport.Transport.Inbound;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The receiving side of the peer service. Handlers start on a Netty event loop; Raft messages go
 * to {@link Inbound} from there, snapshots and calls are handed to the workers.
 */
final class PeerService {
    private static final System.Logger LOG = System.getLogger(PeerService.class.getName());

    private final Supplier<Optional<Identity>> identity;
    private final Inbound inbound;
    private final Executor workers;

    PeerService(Supplier<Optional<Identity>> identity, Inbound inbound, Executor workers) {
        this.identity = identity;
        this.inbound = inbound;
        this.workers = workers;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(PeerWire.SERVICE)
                .addMethod(PeerWire.STREAM, this::openStream)
                .addMethod(PeerWire.SNAPSHOT, this::openSnapshot)
                .addMethod(PeerWire.CALL, this::openCall)
                .build();
    }

    /** Why a stream with these headers is refused, or empty when it belongs here. */
    private Optional<Status> refusal(Metadata headers) {
        Optional<Identity> self = identity.get();
        if (self.isEmpty()) {
            return Optional.of(Status.FAILED_PRECONDITION.withDescription("member not identified yet"));
        }
        Optional<Long> cluster = PeerWire.id(headers, PeerWire.CLUSTER_ID);
        Optional<Long> from = PeerWire.id(headers, PeerWire.FROM_ID);
        Optional<Long> to = PeerWire.id(headers, PeerWire.TO_ID);
        if (cluster.isEmpty() || from.isEmpty() || to.isEmpty()) {
            return Optional.of(Status.INVALID_ARGUMENT.withDescription("missing cluster or member ID headers"));
        }
        if (cluster.get() != self.get().clusterId()) {
            return Optional.of(Status.FAILED_PRECONDITION.withDescription("cluster ID mismatch: local "
                    + Long.toHexString(self.get().clusterId()) + ", remote " + Long.toHexString(cluster.get())));
        }
        if (to.get() != self.get().memberId()) {
            return Optional.of(Status.FAILED_PRECONDITION.withDescription("member ID mismatch: local "
                    + Long.toHexString(self.get().memberId()) + ", addressed to " + Long.toHexString(to.get())));
        }
        return Optional.empty();
    }

    private ServerCall.Listener<byte[]> refuse(ServerCall<byte[], byte[]> call, Metadata headers, Status status) {
        LOG.log(Level.WARNING, "refused a peer stream from {0}: {1}", headers.get(PeerWire.FROM_ID),
                status.getDescription());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private ServerCall.Listener<byte[]> openStream(ServerCall<byte[], byte[]> call, Metadata headers) {
        Optional<Status> refusal = refusal(headers);
        if (refusal.isPresent()) {
            return refuse(call, headers, refusal.get());
        }
        // Early headers tell the sender it was accepted.
        call.sendHeaders(new Metadata());
        call.request(1);
        return new ServerCall.Listener<>() {
            private boolean closed;

            @Override
            public void onMessage(byte[] frame) {
                if (closed) {
                    return;
                }
                try {
                    for (byte[] encoded : PeerWire.unbatch(frame)) {
                        inbound.onMessage(Encoding.decodeMessage(encoded));
                    }
                } catch (EncodingException e) {
                    closed = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("undecodable Raft message: " + e.getMessage()),
                            new Metadata());
                    return;
                }
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                if (!closed) {
                    closed = true;
                    call.close(Status.OK, new Metadata());
                }
            }
        };
    }

    private ServerCall.Listener<byte[]> openSnapshot(ServerCall<byte[], byte[]> call, Metadata headers) {
        Optional<Status> refusal = refusal(headers);
        if (refusal.isPresent()) {
            return refuse(call, headers, refusal.get());
        }
        call.request(1);
        return new ServerCall.Listener<>() {
            /** Null until the first frame (the message) has arrived and the restore started. */
            private ChunkPipe body;
            private boolean closed;

            @Override
            public void onMessage(byte[] frame) {
                if (body != null) {
                    body.offer(frame);
                    return;
                }
                if (closed) {
                    return;
                }
                Message message;
                try {
                    message = Encoding.decodeMessage(frame);
                } catch (EncodingException e) {
                    closed = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("undecodable snapshot message: "
                            + e.getMessage()), new Metadata());
                    return;
                }
                body = new ChunkPipe(() -> call.request(1));
                try {
                    workers.execute(() -> restore(call, message, body));
                } catch (RejectedExecutionException e) {
                    closed = true;
                    call.close(Status.UNAVAILABLE.withDescription("transport closing"), new Metadata());
                    return;
                }
                // From here on the restoring thread owns the call: it closes it.
                call.request(ChunkPipe.AHEAD);
            }

            @Override
            public void onHalfClose() {
                if (body != null) {
                    body.end();
                } else if (!closed) {
                    closed = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("snapshot stream without its message"),
                            new Metadata());
                }
            }

            @Override
            public void onCancel() {
                if (body != null) {
                    body.fail(new IOException("the sender cancelled the snapshot stream"));
                }
            }
        };
    }

    private void restore(ServerCall<byte[], byte[]> call, Message message, ChunkPipe body) {
        Status status;
        try {
            inbound.onSnapshot(message, body);
            status = Status.OK;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "restoring the snapshot from {0} failed: {1}", Long.toHexString(message.from()),
                    describe(e));
            status = Status.INTERNAL.withDescription("snapshot not restored: " + describe(e));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "restoring the snapshot from " + Long.toHexString(message.from()) + " failed", e);
            status = Status.INTERNAL.withDescription("snapshot not restored: " + describe(e));
        }
        try {
            if (status.isOk()) {
                call.sendHeaders(new Metadata());
                call.sendMessage(new byte[0]);
            }
            call.close(status, new Metadata());
        } catch (IllegalStateException e) {
            // The sender went away (cancelled) while we restored; there is no one to answer.
            LOG.log(Level.DEBUG, "snapshot answer not sent: {0}", e.getMessage());
        }
    }

    private ServerCall.Listener<byte[]> openCall(ServerCall<byte[], byte[]> call, Metadata headers) {
        call.request(2);
        return new ServerCall.Listener<>() {
            private byte[] frame;

            @Override
            public void onMessage(byte[] message) {
                frame = message;
            }

            @Override
            public void onHalfClose() {
                if (frame == null) {
                    call.close(Status.INVALID_ARGUMENT.withDescription("call without a request"), new Metadata());
                    return;
                }
                PeerWire.CallRequest request;
                try {
                    request = PeerWire.parseCallRequest(frame);
                } catch (EncodingException e) {
                    call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
                    return;
                }
                try {
                    workers.execute(() -> answer(call, request));
                } catch (RejectedExecutionException e) {
                    call.close(Status.UNAVAILABLE.withDescription("transport closing"), new Metadata());
                }
            }
        };
    }

    private void answer(ServerCall<byte[], byte[]> call, PeerWire.CallRequest request) {
        CompletableFuture<byte[]> response;
        try {
            response = inbound.onCall(request.method(), request.request());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenComplete((bytes, failure) -> {
            if (failure == null && bytes != null) {
                call.sendHeaders(new Metadata());
                call.sendMessage(bytes);
                call.close(Status.OK, new Metadata());
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                call.close(Status.UNKNOWN.withDescription(cause == null ? "no response" : describe(cause)),
                        new Metadata());
            }
        });
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
