package io.kvorum.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's gRPC keepalive on one plaintext client connection, as grpc-go's server keeps it:
 * <ul>
 *   <li>{@code --grpc-keepalive-min-time} (grpc-go's enforcement policy): a client PING that comes sooner
 *       than that after the previous one (or, with no stream open, sooner than 2 h) is a strike unless the
 *       server sent headers or data in between; past two strikes the connection gets GOAWAY
 *       ENHANCE_YOUR_CALM "too_many_pings" and is closed;</li>
 *   <li>{@code --grpc-keepalive-interval} and {@code --grpc-keepalive-timeout}: when nothing was read for
 *       the interval the server sends a PING; when still nothing was read within the timeout the
 *       connection is closed.</li>
 * </ul>
 * Only plaintext connections get it. etcd 3.4 serves gRPC on its {@code http://} (and {@code unix://})
 * listeners with grpc-go's own transport, which keeps these; on {@code https://} (and {@code unixs://}) it
 * hands grpc-go the requests of Go's net/http server ({@code grpcHandlerFunc} in embed/serve.go), whose
 * HTTP/2 acknowledges every PING, sends none, and has no idle timeout as etcd configures it. A TLS connection
 * here is left to Netty's HTTP/2 in the same way: its PINGs answered, none sent, none counted. (Go's server
 * does close a connection with more than 10000 control frames queued unwritten, a client flooding PINGs
 * without reading their acknowledgements; Armeria's HTTP/2 has no such limit.)
 *
 * <p>Armeria has no ping policy and its own ping interval cannot serve: its ping timeout is the interval
 * itself, and on epoll it also sets TCP_KEEPIDLE to the interval's milliseconds taken as seconds, which
 * Linux refuses past 32767, so at etcd's 2 h default every accepted connection fails to register and is
 * never released, and the server's stop waits for it forever. This handler is installed first in each
 * connection's pipeline (it sees every read) and reaches HTTP/2 through Netty's connection handler once
 * Armeria has added it: the PINGs through its frame listener, the frames the server writes through a
 * scanner placed just before it. Connections are closed from that scanner's place too, as grpc-go closes
 * its net.Conn: not through HTTP/2's graceful shutdown. Everything runs on the connection's event loop.
 *
 * <p>One gap: Armeria sets HTTP/2 up while handling the read that brings the client's preface, so PINGs that
 * arrive in that very read (before the client has seen the server's SETTINGS) are answered but not counted.
 * The policy and the pings start with the next read; clients send their first PINGs later.
 */
final class ClientKeepAlive extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ClientKeepAlive.class);

    /** grpc-go's maxPingStrikes: the third strike past it closes the connection. */
    static final int MAX_PING_STRIKES = 2;
    /** grpc-go's defaultPingTimeout: how far apart client PINGs must be while no stream is open. */
    static final Duration NO_STREAM_MIN_TIME = Duration.ofHours(2);
    /** What grpc-go's server sends in its keepalive PINGs. */
    private static final long PING_DATA = 0;

    private final long minTimeNanos;
    private final long intervalNanos;
    private final long timeoutNanos;

    private ChannelHandlerContext ctx;
    private Http2ConnectionHandler http2;
    private ChannelHandlerContext http2Ctx;
    /** The scanner's place: closing from there passes the flush consolidation, not HTTP/2. */
    private ChannelHandlerContext writtenCtx;
    private long lastReadNanos;

    // the ping policy
    private boolean pingedBefore;
    private long lastPingNanos;
    private int pingStrikes;
    private boolean serverWroteSincePing;
    /** The GOAWAY too_many_pings is on its way and the connection closes after it. */
    private boolean goingAway;

    // the server's keepalive pings, as grpc-go's keepalive loop
    private ScheduledFuture<?> keepAliveTimer;
    private long readsSeenUpTo;
    private boolean outstandingPing;
    private long timeoutLeftNanos;

    private ClientKeepAlive(ClientConnections connections) {
        this.minTimeNanos = connections.effectiveKeepAliveMinTime().toNanos();
        this.intervalNanos = connections.effectiveKeepAliveInterval().toNanos();
        this.timeoutNanos = connections.effectiveKeepAliveTimeout().toNanos();
    }

    /**
     * Installs the keepalive first in each new plaintext connection's pipeline. On a port of one protocol Armeria
     * has put TLS in place (its SNI handler, replaced by the SSL handler once the client's hello is read) before
     * the customizer runs; a connection whose TLS comes later is let go once HTTP/2 is found ({@link #findHttp2}).
     */
    static Consumer<ChannelPipeline> installer(ClientConnections connections) {
        return pipeline -> {
            if (!isTls(pipeline)) {
                pipeline.addFirst(new ClientKeepAlive(connections));
            }
        };
    }

    private static boolean isTls(ChannelPipeline pipeline) {
        return pipeline.get(SslHandler.class) != null || pipeline.get(SslClientHelloHandler.class) != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastReadNanos = System.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastReadNanos = System.nanoTime();
        ctx.fireChannelRead(msg);
        if (http2 == null) {
            findHttp2();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel(false);
        }
        super.channelInactive(ctx);
    }

    /**
     * Once Armeria has chosen HTTP/2 for this connection: polices its PINGs and starts pinging, unless the
     * connection turns out to be TLS (HTTP/2 there comes after the handshake, the SSL handler in place).
     */
    private void findHttp2() {
        ChannelHandlerContext found = ctx.pipeline().context(Http2ConnectionHandler.class);
        if (found == null || !ctx.channel().isActive()) {
            return;
        }
        if (isTls(ctx.pipeline())) {
            ctx.pipeline().remove(this);
            return;
        }
        http2Ctx = found;
        http2 = (Http2ConnectionHandler) found.handler();
        http2.decoder().frameListener(new PingPolicy(http2.decoder().frameListener()));
        WrittenFrames written = new WrittenFrames();
        ctx.pipeline().addBefore(found.name(), null, written);
        writtenCtx = ctx.pipeline().context(written);
        readsSeenUpTo = lastReadNanos;
        keepAliveTimer = ctx.executor().schedule(this::keepAlive, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** grpc-go's server keepalive loop, one turn per timer. */
    private void keepAlive() {
        if (!ctx.channel().isActive() || goingAway) {
            return;
        }
        long now = System.nanoTime();
        if (lastReadNanos - readsSeenUpTo > 0) {
            // Read since the last turn: the next ping is due an interval after that read.
            outstandingPing = false;
            readsSeenUpTo = lastReadNanos;
            keepAliveTimer = ctx.executor().schedule(this::keepAlive,
                    Math.max(0, lastReadNanos + intervalNanos - now), TimeUnit.NANOSECONDS);
            return;
        }
        if (outstandingPing && timeoutLeftNanos <= 0) {
            LOG.debug("closing client connection {}: keepalive ping not acknowledged in time", ctx.channel());
            writtenCtx.close();
            return;
        }
        if (!outstandingPing) {
            http2.encoder().writePing(http2Ctx, false, PING_DATA, http2Ctx.newPromise());
            http2Ctx.flush();
            timeoutLeftNanos = timeoutNanos;
            outstandingPing = true;
        }
        long sleep = Math.min(intervalNanos, timeoutLeftNanos);
        timeoutLeftNanos -= sleep;
        keepAliveTimer = ctx.executor().schedule(this::keepAlive, sleep, TimeUnit.NANOSECONDS);
    }

    /** grpc-go's handlePing: counts the strikes of a client PING and sends GOAWAY past the last one. */
    private void clientPinged() {
        if (goingAway) {
            // Read with the ping that got the GOAWAY, before it was written. A second GOAWAY with the same last
            // stream is no write to Netty, and its promise, done at once, would close the connection before the
            // first is out; grpc-go's second one never leaves its queue either.
            return;
        }
        long now = System.nanoTime();
        boolean first = !pingedBefore;
        long sincePrevious = now - lastPingNanos;
        pingedBefore = true;
        lastPingNanos = now;
        if (serverWroteSincePing) {
            serverWroteSincePing = false;
            pingStrikes = 0;
            return;
        }
        long allowed = http2.connection().numActiveStreams() < 1 ? NO_STREAM_MIN_TIME.toNanos() : minTimeNanos;
        if (!first && sincePrevious < allowed) {
            pingStrikes++;
        }
        if (pingStrikes > MAX_PING_STRIKES) {
            LOG.debug("closing client connection {}: too many pings", ctx.channel());
            goingAway = true;
            ByteBuf debug = Unpooled.copiedBuffer("too_many_pings", StandardCharsets.US_ASCII);
            ChannelPromise written = http2Ctx.newPromise();
            // Once the GOAWAY is out (a flush may wait for the end of the read), closed without a graceful drain
            // of the open streams, as grpc-go's closeConn.
            written.addListener(f -> writtenCtx.close());
            http2.goAway(http2Ctx, http2.connection().remote().lastStreamCreated(),
                    Http2Error.ENHANCE_YOUR_CALM.code(), debug, written);
            http2Ctx.flush();
        }
    }

    /** Armeria's frame listener, told first of each frame; client PINGs also go through the policy. */
    private final class PingPolicy extends Http2FrameListenerDecorator {
        PingPolicy(Http2FrameListener listener) {
            super(listener);
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) throws io.netty.handler.codec.http2.Http2Exception {
            super.onPingRead(ctx, data);
            clientPinged();
        }
    }

    /** Sees the frames the server writes (just before Netty's HTTP/2 handler): headers and data reset the strikes. */
    private final class WrittenFrames extends ChannelOutboundHandlerAdapter {
        private final Http2FrameScanner scanner = new Http2FrameScanner();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof ByteBuf buf) {
                scanner.scan(buf, type -> {
                    if (type == Http2FrameTypes.HEADERS || type == Http2FrameTypes.DATA) {
                        serverWroteSincePing = true;
                    }
                });
            }
            ctx.write(msg, promise);
        }
    }
}
