package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EncodingException;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.transport.RateLimitedLog;
import io.kvorum.consensus.raft.transport.Transport.Callers;
import io.kvorum.consensus.raft.transport.Transport.Inbound;
import io.kvorum.spi.consensus.PeerTraffic;
import io.kvorum.spi.metrics.Counter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The receiving side of the peer service. Every stream, snapshot and call is checked by
 * {@link PeerAdmission} on its headers before a frame of it is read; a refused one is closed with
 * its status and a (rate-limited) warning. An admitted one whose frame does not decode, or whose
 * messages are not from its sender to this member, is closed with {@code INVALID_ARGUMENT} and
 * delivers nothing of that frame. Handlers start on a Netty event loop; Raft messages go to
 * {@link Inbound} from there, calls are handed to the workers, snapshots (at most
 * {@value #MAX_INBOUND_SNAPSHOTS} at once) to the snapshot workers.
 */
final class PeerService {
    private static final System.Logger LOG = System.getLogger(PeerService.class.getName());

    /** Snapshots restored at once; more are refused, each holds a worker for its whole transfer. */
    static final int MAX_INBOUND_SNAPSHOTS = 2;

    private final Supplier<Optional<Identity>> identity;
    private final PeerAdmission admission;
    private final Inbound inbound;
    private final Executor workers;
    private final Executor snapshotWorkers;
    private final PeerMetrics metrics;
    private final Supplier<PeerTraffic> traffic;
    private final Semaphore snapshotSlots = new Semaphore(MAX_INBOUND_SNAPSHOTS);
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);

    PeerService(Supplier<Optional<Identity>> identity, PeerAdmission admission, Inbound inbound, Executor workers,
                Executor snapshotWorkers, PeerMetrics metrics, Supplier<PeerTraffic> traffic) {
        this.metrics = metrics;
        this.traffic = traffic;
        this.identity = identity;
        this.admission = admission;
        this.inbound = inbound;
        this.workers = workers;
        this.snapshotWorkers = snapshotWorkers;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(PeerWire.SERVICE)
                .addMethod(PeerWire.STREAM, this::openStream)
                .addMethod(PeerWire.SNAPSHOT, this::openSnapshot)
                .addMethod(PeerWire.CALL, this::openCall)
                .build();
    }

    /** Closes a call refused on its headers, before any of its frames is read. */
    private ServerCall.Listener<byte[]> refuse(ServerCall<byte[], byte[]> call, Metadata headers, Status status) {
        refusals.warn("refused a peer " + call.getMethodDescriptor().getBareMethodName() + " from member "
                + shown(headers, PeerWire.FROM_ID) + " of cluster " + shown(headers, PeerWire.CLUSTER_ID) + " at "
                + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) + ": " + status.getCode() + " "
                + status.getDescription());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** Closes an admitted call whose frame is malformed. */
    private void reject(ServerCall<byte[], byte[]> call, Metadata headers, String why) {
        refusals.warn("closed a peer " + call.getMethodDescriptor().getBareMethodName() + " from member "
                + shown(headers, PeerWire.FROM_ID) + ": " + why);
        call.close(Status.INVALID_ARGUMENT.withDescription(why), new Metadata());
    }

    /** An id header as a log line may show it: parsed, so that a stranger's header cannot shape the line. */
    private static String shown(Metadata headers, Metadata.Key<String> key) {
        return PeerWire.id(headers, key).map(Long::toHexString)
                .orElse(headers.containsKey(key) ? "(malformed)" : "(none)");
    }

    /** Why a message that arrived on a stream or snapshot of {@code sender} does not belong there. */
    private Optional<String> misaddressed(Message message, long sender) {
        long self = identity.get().map(Identity::memberId).orElse(0L);
        if (message.type().isLocal()) {
            return Optional.of("local message type " + message.type() + " from a peer");
        }
        if (message.from() != sender || message.to() != self) {
            return Optional.of("message from " + Long.toHexString(message.from()) + " to "
                    + Long.toHexString(message.to()) + " on the stream of " + Long.toHexString(sender) + " to "
                    + Long.toHexString(self));
        }
        return Optional.empty();
    }

    private ServerCall.Listener<byte[]> openStream(ServerCall<byte[], byte[]> call, Metadata headers) {
        Optional<Status> refusal = admission.refusal(headers);
        if (refusal.isPresent()) {
            return refuse(call, headers, refusal.get());
        }
        long sender = PeerWire.id(headers, PeerWire.FROM_ID).orElseThrow();
        Counter received = metrics.receivedFrom(sender);
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
                received.inc(frame.length);
                // The whole frame is checked before any of it goes on: a bad frame delivers nothing.
                List<Message> messages = new ArrayList<>();
                List<Integer> sizes = new ArrayList<>();
                try {
                    for (byte[] encoded : PeerWire.unbatch(frame)) {
                        Message message = Encoding.decodeMessage(encoded);
                        Optional<String> wrong = misaddressed(message, sender);
                        if (wrong.isPresent()) {
                            throw new EncodingException(wrong.get());
                        }
                        messages.add(message);
                        sizes.add(encoded.length);
                    }
                } catch (EncodingException | IllegalArgumentException e) {
                    closed = true;
                    metrics.receiveFailuresFrom(sender).inc();
                    reject(call, headers, "bad Raft message: " + e.getMessage());
                    return;
                }
                PeerTraffic observer = traffic.get();
                for (int i = 0; i < messages.size(); i++) {
                    if (messages.get(i).type() == MessageType.APP) {
                        observer.appendReceived(sender, sizes.get(i));
                    }
                }
                messages.forEach(inbound::onMessage);
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                if (!closed) {
                    closed = true;
                    call.sendMessage(new byte[0]); // a client-streaming call ends with one answer
                    call.close(Status.OK, new Metadata());
                }
            }
        };
    }

    private ServerCall.Listener<byte[]> openSnapshot(ServerCall<byte[], byte[]> call, Metadata headers) {
        Optional<Status> refusal = admission.refusal(headers);
        if (refusal.isPresent()) {
            return refuse(call, headers, refusal.get());
        }
        long sender = PeerWire.id(headers, PeerWire.FROM_ID).orElseThrow();
        if (!snapshotSlots.tryAcquire()) {
            return refuse(call, headers, Status.RESOURCE_EXHAUSTED.withDescription("already receiving "
                    + MAX_INBOUND_SNAPSHOTS + " snapshots"));
        }
        call.request(1);
        return new ServerCall.Listener<>() {
            /** Null until the first frame (the message) has arrived and the restore started. */
            private ChunkPipe body;
            private boolean closed;

            @Override
            public void onMessage(byte[] frame) {
                if (body != null) {
                    if (frame.length > SnapshotUpload.CHUNK_BYTES) {
                        body.fail(new IOException("snapshot chunk of " + frame.length + " bytes, more than "
                                + SnapshotUpload.CHUNK_BYTES));
                        return;
                    }
                    body.offer(frame);
                    return;
                }
                if (closed) {
                    return;
                }
                Message message;
                try {
                    message = Encoding.decodeMessage(frame);
                    Optional<String> wrong = message.type() != MessageType.SNAP
                            ? Optional.of("a " + message.type() + " message where a snapshot's belongs")
                            : misaddressed(message, sender);
                    if (wrong.isPresent()) {
                        throw new EncodingException(wrong.get());
                    }
                } catch (EncodingException | IllegalArgumentException e) {
                    closed = true;
                    snapshotSlots.release();
                    reject(call, headers, "bad snapshot message: " + e.getMessage());
                    return;
                }
                body = new ChunkPipe(() -> call.request(1));
                try {
                    snapshotWorkers.execute(() -> {
                        try {
                            restore(call, message, body);
                        } finally {
                            snapshotSlots.release();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    closed = true;
                    snapshotSlots.release();
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
                    snapshotSlots.release();
                    reject(call, headers, "snapshot stream without its message");
                }
            }

            @Override
            public void onCancel() {
                if (body != null) {
                    body.fail(new IOException("the sender cancelled the snapshot stream"));
                } else if (!closed) {
                    closed = true;
                    snapshotSlots.release();
                }
            }
        };
    }

    private void restore(ServerCall<byte[], byte[]> call, Message message, ChunkPipe body) {
        CompletableFuture<Void> received = new CompletableFuture<>();
        metrics.snapshotReceiving(message.from(), received);
        Status status;
        try {
            inbound.onSnapshot(message, body);
            status = Status.OK;
            received.complete(null);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "restoring the snapshot from {0} failed: {1}", Long.toHexString(message.from()),
                    describe(e));
            status = Status.INTERNAL.withDescription("snapshot not restored: " + describe(e));
            received.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "restoring the snapshot from " + Long.toHexString(message.from()) + " failed", e);
            status = Status.INTERNAL.withDescription("snapshot not restored: " + describe(e));
            received.completeExceptionally(e);
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
        String method = headers.get(PeerWire.METHOD);
        if (method == null || method.length() > PeerWire.MAX_METHOD_BYTES) {
            return refuse(call, headers, Status.INVALID_ARGUMENT.withDescription(method == null
                    ? "call without a method header" : "call method header of " + method.length() + " characters"));
        }
        Callers callers;
        try {
            callers = inbound.callers(method);
        } catch (RuntimeException e) {
            return refuse(call, headers, Status.INTERNAL.withDescription("cannot tell who may call " + method));
        }
        Optional<Status> refusal = admission.refusal(headers, callers);
        if (refusal.isPresent()) {
            return refuse(call, headers, refusal.get());
        }
        call.request(2);
        return new ServerCall.Listener<>() {
            private byte[] frame;
            private boolean closed;

            @Override
            public void onMessage(byte[] message) {
                if (frame != null && !closed) {
                    closed = true;
                    reject(call, headers, "a call carries one request");
                }
                frame = message;
            }

            @Override
            public void onHalfClose() {
                if (closed) {
                    return;
                }
                if (frame == null) {
                    reject(call, headers, "call without a request");
                    return;
                }
                PeerWire.CallRequest request;
                try {
                    request = PeerWire.parseCallRequest(frame);
                } catch (EncodingException e) {
                    reject(call, headers, e.getMessage());
                    return;
                }
                if (!request.method().equals(method)) {
                    reject(call, headers, "call to " + request.method() + " under the method header " + method);
                    return;
                }
                try {
                    workers.execute(() -> answer(call, request));
                } catch (RejectedExecutionException e) {
                    call.close(Status.RESOURCE_EXHAUSTED.withDescription("too many peer calls waiting"),
                            new Metadata());
                }
            }
        };
    }

    private void answer(ServerCall<byte[], byte[]> call, PeerWire.CallRequest request) {
        CompletableFuture<byte[]> response;
        try {
            response = inbound.onCall(request.method(), request.request());
        } catch (RuntimeException | Error e) {
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
                // a request the handler could not read is the caller's fault
                Status status = cause instanceof IllegalArgumentException ? Status.INVALID_ARGUMENT : Status.UNKNOWN;
                call.close(status.withDescription(cause == null ? "no response" : describe(cause)), new Metadata());
            }
        });
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
