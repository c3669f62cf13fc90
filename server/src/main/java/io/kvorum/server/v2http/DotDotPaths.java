package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Go's mux answer for an HTTP/1 request whose path has a {@code ..} segment (also escaped, {@code %2e%2e},
 * {@code ..%2f}): {@code 301} to the cleaned path, as {@link CleanPath} answers {@code //} and {@code /./}.
 * Armeria refuses such a request target with 400 "Invalid request path" and closes the connection before
 * any service runs, so the target is rewritten between Netty's HTTP/1 decoder and Armeria's: to
 * {@link #ROUTE} with the original target, base64url-encoded, as its query. Armeria then serves it as any
 * other request, in order with the requests before and after it on the connection (keep-alive, pipelining,
 * bodies), and {@link #service()} answers the redirect. The target can only be rewritten to this route,
 * never to one that does something, and a client that calls the route itself gets nothing it could not get
 * by sending the {@code ..} path.
 *
 * <p>On HTTP/2 (a connection upgraded from HTTP/1 with {@code Upgrade: h2c}, as Java's HTTP client asks,
 * which etcd would have answered over HTTP/1; or HTTP/2 over TLS or with prior knowledge) the
 * {@code :path} of each request is rewritten the same way; a path is only looked at for {@code ..} or {@code %}, which gRPC's
 * paths never have. Once Armeria has chosen the protocol the handler that waits for it leaves the
 * connection's pipeline; on an HTTP/1 connection the rewriter looks at each request line for a {@code .}
 * or {@code %} only.
 */
public final class DotDotPaths {
    /** Where a rewritten request goes; not a path etcd serves, so a request for it is otherwise a 404. */
    public static final String ROUTE = "/kvorum.v2http/dot-dot";

    private static final String REWRITER = "kvorum-dot-dot";

    private DotDotPaths() {
    }

    /** Installs, in each new client connection, what finds Armeria's HTTP/1 decoder once it is there. */
    public static Consumer<ChannelPipeline> installer() {
        // Before Armeria's protocol handler, which adds the HTTP/1 decoder when it has read enough to
        // choose: first, or behind TLS when there is TLS.
        return pipeline -> {
            for (var entry : pipeline) {
                if (entry.getValue() instanceof SslHandler || entry.getValue() instanceof AbstractSniHandler) {
                    pipeline.addAfter(entry.getKey(), null, new Finder());
                    return;
                }
            }
            pipeline.addFirst(new Finder());
        };
    }

    /** The redirect for a rewritten request; Go's {@code http.NotFound} for any other request to {@link #ROUTE}. */
    public static HttpService service() {
        return (ctx, req) -> original(ctx.query()).flatMap(target -> CleanPath.redirect(req.method().name(), target))
                .orElseGet(() -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.NOT_FOUND)
                        .contentType(MediaType.PLAIN_TEXT_UTF_8).add("x-content-type-options", "nosniff").build(),
                        HttpData.ofUtf8("404 page not found\n")));
    }

    /** The request target a rewritten request was sent with: {@code query} decoded, when it is one. */
    static Optional<String> original(String query) {
        if (query == null) {
            return Optional.empty();
        }
        try {
            String target = new String(Base64.getUrlDecoder().decode(query), StandardCharsets.UTF_8);
            return hasDotDot(target) ? Optional.of(target) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What Armeria is given instead of {@code target}: the same when its path has no {@code ..} segment. */
    static String rewrite(String target) {
        if (!hasDotDot(target)) {
            return target;
        }
        return ROUTE + "?" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(target.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the path of an origin-form {@code target}, percent escapes decoded, has a {@code ..} segment. */
    static boolean hasDotDot(String target) {
        if (target.isEmpty() || target.charAt(0) != '/') {
            return false;
        }
        int end = target.indexOf('?');
        if (end < 0) {
            end = target.length();
        }
        int dotsInSegment = 0;
        boolean other = false;
        for (int i = 0; i < end; i++) {
            char c = target.charAt(i);
            if (c == '%') {
                if (i + 2 >= end) {
                    return false; // malformed escape: Armeria's and Go's 400, not a redirect
                }
                int hi = Character.digit(target.charAt(i + 1), 16);
                int lo = Character.digit(target.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                c = (char) (hi << 4 | lo);
                i += 2;
            }
            if (c == '/') {
                if (dotsInSegment == 2 && !other) {
                    return true;
                }
                dotsInSegment = 0;
                other = false;
            } else if (c == '.') {
                dotsInSegment++;
            } else {
                other = true;
            }
        }
        return dotsInSegment == 2 && !other;
    }

    /**
     * Waits for Armeria to choose the connection's protocol: on HTTP/1 puts the {@link Rewriter} just after
     * Netty's HTTP/1 decoder; then (or on HTTP/2) leaves the pipeline. On a cleartext port Armeria chooses
     * after the first 4 bytes and hands what it has read straight to the decoder it adds, so the first read
     * is passed on a byte at a time until the choice is made: the first request is rewritten too.
     */
    private static final class Finder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (chosen(ctx) || !(msg instanceof ByteBuf buf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            while (buf.readableBytes() > 1 && !chosen(ctx)) {
                ctx.fireChannelRead(buf.readRetainedSlice(1));
            }
            ctx.fireChannelRead(buf);
            chosen(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ctx.fireUserEventTriggered(evt);
            chosen(ctx); // behind TLS, Armeria chooses when the handshake has completed
        }

        /** Whether the protocol is chosen; if so the rewriter is in place (HTTP/1) and this handler gone. */
        private boolean chosen(ChannelHandlerContext ctx) {
            if (ctx.isRemoved()) {
                return true;
            }
            ChannelPipeline pipeline = ctx.pipeline();
            if (http2Found(pipeline)) {
                pipeline.remove(this);
                return true;
            }
            for (var entry : pipeline) {
                if (entry.getValue() instanceof HttpServerUpgradeHandler.SourceCodec) {
                    pipeline.addAfter(entry.getKey(), REWRITER, new Rewriter());
                    pipeline.remove(this);
                    return true;
                }
            }
            return false;
        }
    }

    /** Whether HTTP/2 is chosen; if so its request paths are rewritten from now on. */
    private static boolean http2Found(ChannelPipeline pipeline) {
        Http2ConnectionHandler http2 = pipeline.get(Http2ConnectionHandler.class);
        if (http2 == null) {
            return false;
        }
        http2.decoder().frameListener(new Http2Paths(http2.decoder().frameListener()));
        return true;
    }

    /**
     * Between Netty's HTTP/1 decoder and Armeria's: gives Armeria a target it takes for a {@code ..} path.
     * When the connection is upgraded to HTTP/2 ({@code Upgrade: h2c}, which etcd ignores: it answers the
     * request over HTTP/1 and a client keeps sending there) the HTTP/2 paths are rewritten instead.
     */
    static final class Rewriter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean upgrade = false;
            if (msg instanceof HttpRequest request) {
                String uri = request.uri();
                if (uri.indexOf('.') >= 0 || uri.indexOf('%') >= 0) {
                    request.setUri(rewrite(uri));
                }
                upgrade = request.headers().contains(HttpHeaderNames.UPGRADE);
            }
            ctx.fireChannelRead(msg);
            if (upgrade && !ctx.isRemoved() && http2Found(ctx.pipeline())) {
                ctx.pipeline().remove(this);
            }
        }
    }

    /** Armeria's HTTP/2 frame listener, given the rewritten {@code :path} of a request with a {@code ..} segment. */
    private static final class Http2Paths extends Http2FrameListenerDecorator {
        Http2Paths(Http2FrameListener listener) {
            super(listener);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) throws Http2Exception {
            rewritePath(headers);
            super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
            rewritePath(headers);
            super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
        }

        /** A gRPC path ({@code /etcdserverpb.KV/Put}) has neither {@code ..} nor {@code %}: only looked at. */
        private static void rewritePath(Http2Headers headers) {
            CharSequence path = headers.path();
            if (path != null && (AsciiString.indexOf(path, '%', 0) >= 0 || AsciiString.contains(path, ".."))) {
                headers.path(rewrite(path.toString()));
            }
        }
    }
}
