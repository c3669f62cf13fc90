package io.kvorum.server.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The gateway's paths over a websocket, as etcd serves them (its gateway sits behind
 * grpc-websocket-proxy): each message the client sends is more of the request body, a JSON value
 * per request message; each line of the answer's body is sent back as a text message. So a watch
 * or a lease keep-alive stream runs over one websocket, taking new requests as they come, and a
 * unary call answers its first request and closes.
 *
 * <p>As the proxy does, the call is a {@code POST} whatever the upgrade's method, the token comes
 * from a {@code Sec-WebSocket-Protocol: Bearer, <token>} offer (answered with {@code Bearer}) or a
 * {@code token} cookie as {@code Authorization: Bearer <token>}, and other request headers are
 * not passed on. A stream's first message that does not decode fails the call with the gateway's
 * error; a later one ends the client's side only.
 *
 * <p><b>Threads.</b> Frames arrive on the connection's event loop one at a time; the answer's
 * lines are written from the call's own subscriber, one at a time, each after the last was sent.
 */
final class GatewaySocket implements WebSocketServiceHandler {
    private final JsonGateway gateway;

    GatewaySocket(JsonGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
        WebSocketWriter out = WebSocket.streaming();
        JsonGateway.Route route = gateway.route(ctx.path());
        if (route == null || gateway.certificateNamesUser(ctx)) {
            out.close();
            in.abort();
            return out;
        }
        in.subscribe(new Inbound<>(ctx, route, route.method(), metadata(ctx), out, gateway.maxBodyBytes()),
                ctx.eventLoop());
        return out;
    }

    /** The proxy's one credential: the subprotocol offer {@code Bearer, <token>}, else the {@code token} cookie. */
    private static Metadata metadata(ServiceRequestContext ctx) {
        Metadata metadata = new Metadata();
        String protocols = ctx.request().headers().get("sec-websocket-protocol");
        String authorization = null;
        if (protocols != null && !protocols.isEmpty()) {
            int at = protocols.indexOf("Bearer,");
            authorization = at < 0 ? "" : "Bearer " + protocols.substring(at + "Bearer,".length()).strip();
        }
        String cookies = ctx.request().headers().get("cookie");
        if (cookies != null) {
            for (String cookie : cookies.split(";")) {
                String c = cookie.strip();
                if (c.startsWith("token=")) {
                    authorization = "Bearer " + c.substring("token=".length());
                }
            }
        }
        if (authorization != null) {
            metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        }
        return metadata;
    }

    /** The client's frames, turned into request messages as they arrive. */
    private static final class Inbound<Q, R> implements Subscriber<WebSocketFrame> {
        private final ServiceRequestContext ctx;
        private final JsonGateway.Route route;
        private final ServerMethodDefinition<Q, R> method;
        private final Metadata metadata;
        private final WebSocketWriter out;
        private final boolean unary;
        private final long maxBodyBytes;
        /** Request bytes not yet a whole JSON value (a value may span frames, as in a body). */
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private Subscription subscription;
        private GatewayCall.Live<Q> live;
        private boolean started;
        private boolean inputEnded;

        Inbound(ServiceRequestContext ctx, JsonGateway.Route route, ServerMethodDefinition<Q, R> method,
                Metadata metadata, WebSocketWriter out, long maxBodyBytes) {
            this.ctx = ctx;
            this.route = route;
            this.method = method;
            this.metadata = metadata;
            this.out = out;
            this.unary = method.getMethodDescriptor().getType().clientSendsOneMessage();
            this.maxBodyBytes = maxBodyBytes;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(WebSocketFrame frame) {
            try (frame) {
                boolean data = frame.type() == WebSocketFrameType.TEXT || frame.type() == WebSocketFrameType.BINARY
                        || frame.type() == WebSocketFrameType.CONTINUATION;
                if (data && !inputEnded) {
                    byte[] payload = frame.array();
                    pending.write(payload, 0, payload.length);
                    pending.write('\n');
                    take();
                }
            }
            // read on, also after a unary call's one request: the client's close comes in a frame
            subscription.request(1);
        }

        /** Decodes the whole JSON values received so far and hands them to the call. */
        @SuppressWarnings("unchecked")
        private void take() {
            if (inputEnded) {
                return;
            }
            byte[] body = pending.toByteArray();
            List<Message> requests;
            try {
                requests = GatewayJson.parse(body, route.requestPrototype(), unary);
            } catch (InvalidProtocolBufferException e) {
                if ("unexpected EOF".equals(e.getMessage()) && body.length <= maxBodyBytes) {
                    return; // a value not yet whole: wait for the next frame
                }
                inputEnded = true;
                if (!started) {
                    // the first request does not decode: the call fails as the gateway's does
                    started = true;
                    forward(GatewayJson.error((unary ? Status.INVALID_ARGUMENT : Status.UNKNOWN)
                            .withDescription(e.getMessage())));
                } else {
                    // a later one: the client's side ends, as the proxied stream's CloseSend
                    live.halfClose();
                }
                return;
            }
            if (requests.isEmpty()) {
                return;
            }
            pending.reset();
            if (!started) {
                started = true;
                if (unary) {
                    inputEnded = true;
                    forward(GatewayCall.start(ctx, method.getMethodDescriptor(), method.getServerCallHandler(),
                            metadata, List.of((Q) requests.get(0)), true));
                    return;
                }
                live = GatewayCall.startLive(ctx, method.getMethodDescriptor(), method.getServerCallHandler(), metadata,
                        (List<Q>) requests);
                forward(live.response());
            } else {
                live.offer((List<Q>) requests);
            }
        }

        /** Each line of the answer's body as a text message; the socket closes when the answer ends. */
        private void forward(HttpResponse response) {
            response.subscribe(new Outbound(out), ctx.eventLoop());
        }

        @Override
        public void onError(Throwable t) {
            clientGone();
        }

        @Override
        public void onComplete() {
            clientGone();
        }

        private void clientGone() {
            if (live != null) {
                live.cancel();
            }
            if (!started) {
                out.close();
            }
        }
    }

    /** An answer's body, split into lines, each written as a text message once the last was sent. */
    private static final class Outbound implements Subscriber<HttpObject> {
        private final WebSocketWriter out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private Subscription subscription;

        Outbound(WebSocketWriter out) {
            this.out = out;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
            out.whenComplete().handle((v, e) -> {
                s.cancel(); // the client went away: the answer is not wanted any more
                return null;
            });
        }

        @Override
        public void onNext(HttpObject object) {
            if (!(object instanceof HttpData data)) {
                subscription.request(1);
                return;
            }
            byte[] bytes = data.array();
            boolean wrote = false;
            for (byte b : bytes) {
                if (b == '\n') {
                    wrote |= flushLine();
                } else {
                    line.write(b);
                }
            }
            if (wrote) {
                out.whenConsumed().thenRun(() -> subscription.request(1));
            } else {
                subscription.request(1);
            }
        }

        /** Writes the line gathered so far, if it is not empty (the proxy skips empty lines). */
        private boolean flushLine() {
            if (line.size() == 0) {
                return false;
            }
            out.tryWrite(line.toString(StandardCharsets.UTF_8));
            line.reset();
            return true;
        }

        @Override
        public void onError(Throwable t) {
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            flushLine();
            out.close();
        }
    }
}
