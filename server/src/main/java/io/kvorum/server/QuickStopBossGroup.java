package io.kvorum.server;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.TransportType;
import com.linecorp.armeria.server.ServerBuilder;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The event loops that accept a listener's connections, stopped without Netty's quiet period.
 *
 * <p>Armeria stops a server in order: it closes the listening sockets, lets the requests in flight
 * finish ({@code gracefulShutdownTimeoutMillis}), and only then shuts its accepting loops down with
 * Netty's default {@code shutdownGracefully()}: a quiet period of 2 s in which a loop waits for
 * tasks that no longer come. That made every member take over 2 s to stop after SIGTERM, where
 * etcd exits at once. These loops are Armeria's own (one thread, Armeria's thread name, the
 * transport Armeria uses) with that one call made without the quiet period. For a transport not
 * named here Armeria's own loops stay.
 */
final class QuickStopBossGroup extends MultiThreadIoEventLoopGroup {
    /** How long a stopping loop may still take to run the tasks already queued. */
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 2;

    private QuickStopBossGroup(ThreadFactory threads, IoHandlerFactory handlers) {
        super(1, threads, handlers);
    }

    /** Gives the listeners {@code sb} opens accepting loops of this kind. */
    static void install(ServerBuilder sb) {
        handlers(Flags.transportType()).ifPresent(handlers -> sb.bossGroupFactory(name -> new QuickStopBossGroup(task -> {
            Thread t = new FastThreadLocalThread(task, name); // named and run as Armeria's own
            t.setDaemon(false);
            return t;
        }, handlers)));
    }

    /** The I/O of Armeria's transport: the accepted connections go to Armeria's worker loops of that transport. */
    private static Optional<IoHandlerFactory> handlers(TransportType transport) {
        return switch (transport) {
            case EPOLL -> Optional.of(EpollIoHandler.newFactory());
            case NIO -> Optional.of(NioIoHandler.newFactory());
            default -> Optional.empty();
        };
    }

    @Override
    public Future<?> shutdownGracefully() {
        return shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
