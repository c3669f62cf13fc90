package io.kvorum.server.grpc;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.protocol.ArmeriaMessageDeframer;
import com.linecorp.armeria.common.grpc.protocol.ArmeriaStatusException;
import com.linecorp.armeria.common.grpc.protocol.DeframedMessage;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.grpc.protocol.StatusMessageEscaper;
import com.linecorp.armeria.common.stream.AbortedStreamException;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.SubscriptionOption;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.concurrent.CancellationException;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One {@code Watch} stream as a gRPC {@link ServerCall} written straight onto its HTTP/2 stream:
 * the responses sent while a write is under way (or before the first leaves) are framed into one
 * buffer and leave as one {@link HttpData}, one write and one completion to wait for per run,
 * where Armeria's own call costs a task, a write and a future per message.
 *
 * <p>Requests are deframed by Armeria's own deframer (so an oversized or malformed frame fails as
 * under the {@code GrpcService}), one per {@link #request}. The listener sees what it sees under
 * the {@code GrpcService}: {@code onComplete} after a close by the service, {@code onCancel} when
 * the client resets the stream, the connection goes, or its requests are malformed.
 *
 * <p>Backpressure: {@link #isReady} is false from the first response of a run until the run's
 * write is taken by the connection (which, over HTTP/2, waits for the client's flow-control
 * window), so the watch stream's own bound ({@code WatchStream.MAX_UNCONFIRMED_BYTES}) bounds what
 * waits here; {@code onReady} follows each completed write with nothing waiting.
 *
 * <p><b>Threads.</b> {@code sendMessage}, {@code isReady} and {@code close} may come from any
 * thread; what they share is guarded by {@code this}. Everything else, and every call of the
 * listener, runs on the request's event loop.
 */
final class WatchCall extends ServerCall<WatchRequest, WatchResponse> implements Subscriber<DeframedMessage> {
    private static final MethodDescriptor<WatchRequest, WatchResponse> METHOD = WatchGrpc.getWatchMethod();
    private static final int FRAME_HEADER_BYTES = 5;

    private final ServiceRequestContext ctx;
    private final EventLoop loop;
    private final HttpResponseWriter response;
    private final ResponseHeaders headers;
    private final StreamMessage<DeframedMessage> requests;
    private final Runnable flushTask = this::flush;

    // Loop-owned.
    private Listener<WatchRequest> listener;
    private Subscription upstream;
    private long pendingRequests;
    private boolean headersWritten;
    /** The listener was told the call is over (onComplete or onCancel). */
    private boolean listenerDone;

    // Guarded by this.
    /** Framed responses not yet handed to the connection. */
    private ByteBuf pending;
    private boolean flushScheduled;
    /** A write is handed to the connection and not yet taken. */
    private boolean writing;
    private boolean closeCalled;
    private boolean cancelled;

    WatchCall(ServiceRequestContext ctx, HttpRequest req, HttpResponseWriter response, ResponseHeaders headers,
              int maxRequestMessageLength) {
        this.ctx = ctx;
        this.loop = ctx.eventLoop();
        this.response = response;
        this.headers = headers;
        this.requests = req.decode(new ArmeriaMessageDeframer(maxRequestMessageLength, ctx.alloc(), false), ctx.alloc());
    }

    /** Starts reading requests for {@code listener}, and watches for the client going away; on the loop. */
    void start(Listener<WatchRequest> listener) {
        this.listener = listener;
        requests.subscribe(this, loop, SubscriptionOption.WITH_POOLED_OBJECTS);
        ctx.whenRequestCancelling().thenRun(() -> onLoop(this::cancel));
        response.whenComplete().exceptionally(e -> {
            onLoop(this::cancel);
            return null;
        });
    }

    // ---- the service's side ----

    @Override
    public void request(int numMessages) {
        onLoop(() -> {
            if (upstream == null) {
                pendingRequests += numMessages;
            } else {
                upstream.request(numMessages);
            }
        });
    }

    @Override
    public void sendHeaders(Metadata ignored) {
        // etcd's watch sends no header metadata; the headers leave with the first responses
    }

    @Override
    public void sendMessage(WatchResponse message) {
        int size = message.getSerializedSize();
        synchronized (this) {
            if (closeCalled || cancelled) {
                return;
            }
            if (pending == null) {
                pending = ctx.alloc().buffer(Math.max(256, FRAME_HEADER_BYTES + size));
            }
            pending.writeByte(0).writeInt(size);
            int at = pending.writerIndex();
            pending.ensureWritable(size);
            CodedOutputStream out = CodedOutputStream.newInstance(pending.nioBuffer(at, size));
            try {
                message.writeTo(out);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("a watch response does not fit its own size", e);
            }
            pending.writerIndex(at + size);
            if (writing || flushScheduled) {
                return; // leaves with the run under way, or with the flush already coming
            }
            flushScheduled = true;
        }
        loop.execute(flushTask);
    }

    @Override
    public synchronized boolean isReady() {
        return !closeCalled && !cancelled && !writing && pending == null;
    }

    @Override
    public void close(Status status, Metadata trailers) {
        synchronized (this) {
            if (closeCalled || cancelled) {
                return;
            }
            closeCalled = true;
        }
        // Always a task of its own: a close from within startCall (a refusal) ends the call after
        // start() has given the call its listener.
        loop.execute(() -> finish(status, trailers));
    }

    @Override
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    @Override
    public MethodDescriptor<WatchRequest, WatchResponse> getMethodDescriptor() {
        return METHOD;
    }

    @Override
    public Attributes getAttributes() {
        return Attributes.EMPTY;
    }

    @Override
    public String getAuthority() {
        return ctx.request().authority();
    }

    // ---- towards the connection, on the loop ----

    /** Hands the connection the responses waiting, as one write. */
    private void flush() {
        ByteBuf run;
        synchronized (this) {
            flushScheduled = false;
            if (cancelled || pending == null || writing) {
                return;
            }
            run = pending;
            pending = null;
            writing = true;
        }
        if (!writeHeaders() || !response.tryWrite(HttpData.wrap(run))) {
            run.release();
            cancel();
            return;
        }
        response.whenConsumed().thenRun(() -> onLoop(this::written));
    }

    /** The last run was taken: send what came meanwhile, else tell the service it may send more. */
    private void written() {
        boolean more;
        synchronized (this) {
            writing = false;
            if (cancelled || closeCalled) {
                return;
            }
            more = pending != null;
        }
        if (more) {
            flush();
        } else if (!listenerDone && listener != null) {
            listener.onReady();
        }
    }

    private boolean writeHeaders() {
        if (headersWritten) {
            return true;
        }
        headersWritten = true;
        return response.tryWrite(headers);
    }

    /** The service closed the call: what waits leaves, then the trailers. */
    private void finish(Status status, Metadata metadata) {
        ByteBuf rest;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            rest = pending;
            pending = null;
        }
        if (rest != null && !(writeHeaders() && response.tryWrite(HttpData.wrap(rest)))) {
            rest.release();
        }
        HttpHeaders trailers = trailers(headersWritten ? HttpHeaders.builder() : headers.toBuilder(), status, metadata);
        headersWritten = true;
        if (response.tryWrite(trailers)) {
            response.close();
        }
        if (!listenerDone) {
            listenerDone = true;
            listener.onComplete();
        }
    }

    /** The client went away, or its requests cannot be read: nothing more goes out, the service lets go. */
    private void cancel() {
        ByteBuf dropped;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            dropped = pending;
            pending = null;
        }
        if (dropped != null) {
            dropped.release();
        }
        if (upstream != null) {
            upstream.cancel();
        }
        if (!listenerDone) {
            listenerDone = true;
            listener.onCancel();
        }
        response.abort(new CancellationException("watch stream cancelled"));
    }

    /** Ends the call with {@code status} as the service would, and lets the listener go as on cancellation. */
    private void fail(Status status) {
        synchronized (this) {
            if (closeCalled || cancelled) {
                return;
            }
            closeCalled = true;
        }
        listenerDone = true;
        listener.onCancel();
        finish(status, new Metadata());
    }

    /** grpc-status, grpc-message and the trailing metadata, on {@code builder} (a trailers-only response's headers, or empty). */
    static HttpHeaders trailers(HttpHeadersBuilder builder, Status status, Metadata metadata) {
        builder.add(GrpcHeaderNames.GRPC_STATUS, Integer.toString(status.getCode().value()));
        if (status.getDescription() != null) {
            builder.add(GrpcHeaderNames.GRPC_MESSAGE, StatusMessageEscaper.escape(status.getDescription()));
        }
        for (String key : metadata.keys()) {
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                Iterable<byte[]> values = metadata.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
                if (values != null) {
                    values.forEach(v -> builder.add(key, Base64.getEncoder().withoutPadding().encodeToString(v)));
                }
            } else {
                Iterable<String> values = metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                if (values != null) {
                    values.forEach(v -> builder.add(key, v));
                }
            }
        }
        return builder.endOfStream(true).build();
    }

    // ---- the client's requests, on the loop ----

    @Override
    public void onSubscribe(Subscription subscription) {
        upstream = subscription;
        if (pendingRequests > 0) {
            subscription.request(pendingRequests);
            pendingRequests = 0;
        }
    }

    @Override
    public void onNext(DeframedMessage message) {
        WatchRequest request;
        try (message) {
            request = message.buf() != null
                    ? WatchRequest.parseFrom(message.buf().nioBuffer())
                    : WatchRequest.parseFrom(message.stream());
        } catch (InvalidProtocolBufferException e) {
            fail(Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e));
            return;
        } catch (IOException e) {
            fail(Status.INTERNAL.withDescription(e.getMessage()).withCause(e));
            return;
        }
        if (!listenerDone && !isCancelled()) {
            listener.onMessage(request);
        }
    }

    @Override
    public void onError(Throwable t) {
        if (t instanceof AbortedStreamException) {
            cancel();
        } else if (t instanceof ArmeriaStatusException e) {
            fail(Status.fromCodeValue(e.getCode()).withDescription(e.getMessage()));
        } else {
            // the stream was reset or the connection closed under the requests
            cancel();
        }
    }

    @Override
    public void onComplete() {
        if (!listenerDone && !isCancelled()) {
            listener.onHalfClose();
        }
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
