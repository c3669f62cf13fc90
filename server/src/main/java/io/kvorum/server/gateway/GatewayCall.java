package io.kvorum.server.gateway;

import com.google.protobuf.Message;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One gateway request as a gRPC call, served in process by a service's handler: the request
 * messages of the JSON body go in as the client's, and what the service sends comes back as the
 * HTTP answer, the response message for a unary call, one {@code {"result":...}} line per message
 * for a stream.
 *
 * <p><b>Threads.</b> The listener is called on the request's event loop only, one callback at a
 * time, as gRPC promises. The service calls {@link #sendMessage} and {@link #close} from its own
 * threads, one at a time; this object's monitor guards what they share with the event loop.
 * <b>Flow.</b> A stream is ready while fewer than {@value #MAX_UNCONSUMED} messages wait for the
 * client to take them; a slow client holds the service back as a slow gRPC client would.
 */
final class GatewayCall<Q, R> extends ServerCall<Q, R> {
    private static final int MAX_UNCONSUMED = 16;

    private final ServiceRequestContext ctx;
    private final MethodDescriptor<Q, R> method;
    private final boolean streamsResponses;
    private final CompletableFuture<HttpResponse> answer = new CompletableFuture<>();

    // event loop only
    private Listener<Q> listener;
    private final ArrayDeque<Q> inbound;
    private int demand;
    private boolean halfClose;
    private boolean halfClosed;

    // guarded by this
    private R unaryResponse;
    private HttpResponseWriter stream;
    private boolean closed;
    private long written;
    private long consumed;
    private boolean readyWanted;

    private volatile boolean cancelled;

    private GatewayCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, List<Q> requests, boolean halfClose) {
        this.ctx = ctx;
        this.method = method;
        this.streamsResponses = !method.getType().serverSendsOneMessage();
        this.inbound = new ArrayDeque<>(requests);
        this.halfClose = halfClose;
    }

    /**
     * Starts the call on the request's event loop and returns its answer. With {@code halfClose}
     * the client's side ends after {@code requests}; without, it stays open until the client goes.
     */
    static <Q, R> HttpResponse start(ServiceRequestContext ctx, MethodDescriptor<Q, R> method,
                                     ServerCallHandler<Q, R> handler, Metadata headers, List<Q> requests,
                                     boolean halfClose) {
        return new GatewayCall<>(ctx, method, requests, halfClose).begin(handler, headers);
    }

    private HttpResponse begin(ServerCallHandler<Q, R> handler, Metadata headers) {
        ctx.whenRequestCancelling().thenRun(this::cancel);
        onEventLoop(() -> {
            listener = handler.startCall(this, headers);
            listener.onReady();
            deliver();
        });
        return HttpResponse.of(answer);
    }

    /**
     * Starts a call whose client side stays open for more messages ({@link #offer}), as a
     * websocket feeds a stream one frame at a time, and returns the call with its answer.
     */
    static <Q, R> Live<Q> startLive(ServiceRequestContext ctx, MethodDescriptor<Q, R> method,
                                    ServerCallHandler<Q, R> handler, Metadata headers, List<Q> first) {
        GatewayCall<Q, R> call = new GatewayCall<>(ctx, method, first, false);
        return new Live<>(call, call.begin(handler, headers));
    }

    /** A call started by {@link #startLive}: its answer, and the way to feed or end its client side. */
    record Live<Q>(GatewayCall<Q, ?> call, HttpResponse response) {
        /** More client messages, delivered as the service asks for them. */
        void offer(List<Q> more) {
            call.onEventLoop(() -> {
                call.inbound.addAll(more);
                call.deliver();
            });
        }

        /** The client will send nothing more: its side ends once what it sent is delivered. */
        void halfClose() {
            call.onEventLoop(() -> {
                call.halfClose = true;
                call.deliver();
            });
        }

        /** The client went away. */
        void cancel() {
            call.cancel();
        }
    }

    @Override
    public void request(int n) {
        onEventLoop(() -> {
            demand += n;
            deliver();
        });
    }

    private void deliver() {
        if (listener == null || cancelled) {
            return;
        }
        while (demand > 0 && !inbound.isEmpty()) {
            demand--;
            listener.onMessage(inbound.poll());
        }
        if (inbound.isEmpty() && halfClose && !halfClosed) {
            halfClosed = true;
            listener.onHalfClose();
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        // the HTTP headers go with the first message or the close
    }

    @Override
    public synchronized void sendMessage(R message) {
        if (closed || cancelled) {
            return;
        }
        if (!streamsResponses) {
            unaryResponse = message;
            return;
        }
        if (stream == null) {
            stream = HttpResponse.streaming();
            stream.write(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON.toString()));
            stream.whenComplete().exceptionally(e -> {
                cancel();
                return null;
            });
            answer.complete(stream);
        }
        if (!stream.tryWrite(GatewayJson.streamResult((Message) message))) {
            cancel();
            return;
        }
        long n = ++written;
        stream.whenConsumed().thenRun(() -> consumedUpTo(n));
    }

    private void consumedUpTo(long n) {
        boolean notify;
        synchronized (this) {
            consumed = Math.max(consumed, n);
            notify = readyWanted && written - consumed < MAX_UNCONSUMED;
            if (notify) {
                readyWanted = false;
            }
        }
        if (notify) {
            onEventLoop(() -> {
                if (!cancelled && listener != null) {
                    listener.onReady();
                }
            });
        }
    }

    @Override
    public synchronized boolean isReady() {
        if (cancelled || closed) {
            return false;
        }
        boolean ready = written - consumed < MAX_UNCONSUMED;
        if (!ready) {
            readyWanted = true;
        }
        return ready;
    }

    @Override
    public void close(Status status, Metadata trailers) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!streamsResponses) {
                answer.complete(status.isOk() && unaryResponse != null
                        ? GatewayJson.unary((Message) unaryResponse)
                        : GatewayJson.error(status.isOk() ? Status.INTERNAL.withDescription("no response") : status));
            } else if (stream == null) {
                answer.complete(status.isOk()
                        ? HttpResponse.of(HttpStatus.OK, MediaType.JSON, "")
                        : HttpResponse.of(GatewayJson.httpStatus(status.getCode()), MediaType.JSON,
                                GatewayJson.streamError(status)));
            } else {
                if (!status.isOk()) {
                    stream.tryWrite(GatewayJson.streamError(status));
                }
                stream.close();
            }
        }
        onEventLoop(() -> {
            if (listener != null && !cancelled) {
                listener.onComplete();
            }
        });
    }

    /** The client went away (or the server stops): the service hears of it once, as a gRPC cancel. */
    private void cancel() {
        synchronized (this) {
            if (cancelled || closed) {
                return;
            }
            cancelled = true;
            if (stream != null) {
                stream.close();
            }
            answer.complete(HttpResponse.of(HttpStatus.REQUEST_TIMEOUT));
        }
        onEventLoop(() -> {
            if (listener != null) {
                listener.onCancel();
            }
        });
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
        return method;
    }

    @Override
    public Attributes getAttributes() {
        return Attributes.newBuilder()
                .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ctx.remoteAddress())
                .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ctx.localAddress())
                .build();
    }

    @Override
    public String getAuthority() {
        return ctx.request().authority();
    }

    private void onEventLoop(Runnable task) {
        // the context-aware event loop runs the task with the request's context current
        ctx.eventLoop().execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // as gRPC does when a handler throws: the call fails, the member goes on
                close(Status.UNKNOWN.withDescription(String.valueOf(e.getMessage())).withCause(e), new Metadata());
            }
        });
    }
}
