package io.kvorum.server;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.metric.NoopMeterRegistry;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import io.kvorum.server.v2http.DotDotPaths;
import io.kvorum.server.v2http.V2Http;
import io.kvorum.spi.tls.TlsMaterial;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client listeners of a member: binding etcd's client URLs (each its own scheme), the ports
 * they got and the URLs advertised from them, the services installed behind the {@link StartGate},
 * and the lines etcd logs once they serve. Used by {@link ServerRuntime} as it starts a member.
 */
final class ClientListeners {
    private static final Logger LOG = LoggerFactory.getLogger(ClientListeners.class);

    private ClientListeners() {
    }

    /** The lines etcd logs once it serves clients, which tools wait for. */
    static void logServing(List<URI> urls) {
        LOG.info("ready to serve client requests");
        for (URI url : urls) {
            boolean secure = "https".equals(url.getScheme()) || "unixs".equals(url.getScheme());
            LOG.atInfo().setMessage(secure ? "serving client traffic securely"
                            : "serving client traffic insecurely; this is strongly discouraged!")
                    .addKeyValue("address", url.getHost() + ":" + url.getPort())
                    .log();
        }
    }

    /**
     * Serves {@code service} at {@code path}. The v2 API reads its bodies itself, up to Go's form
     * limit, to answer a larger one as etcd does; the others keep Armeria's request length limit.
     */
    static void serve(com.linecorp.armeria.server.ServerBuilder sb, String path, HttpService service) {
        if (V2Http.reads(path)) {
            sb.route().path(path).maxRequestLength(0).build(service);
        } else {
            sb.service(path, service);
        }
    }

    /**
     * etcd's --max-concurrent-streams (what each connection's SETTINGS allow; 0, as in grpc-go: no limit) and
     * gRPC keepalive (grpc-go's ping policy and server pings, on plaintext connections only, as etcd keeps them;
     * Armeria's own ping interval stays off). Set again on each reconfiguration: Armeria's reconfigured server
     * takes every connection setting from it.
     */
    static void configureConnections(com.linecorp.armeria.server.ServerBuilder sb, ClientConnections connections) {
        long maxStreams = connections.maxConcurrentStreams();
        sb.http2MaxStreamsPerConnection(maxStreams == 0 ? ClientConnections.MAX_CONCURRENT_STREAMS_UNLIMITED : maxStreams);
        sb.childChannelPipelineCustomizer(ClientKeepAlive.installer(connections).andThen(DotDotPaths.installer()));
    }

    /** Listens on {@code urls} (the values of {@code flag}), every request held at {@code gate}. */
    static Server listen(List<URI> urls, String flag, ServerConfig config, StartGate gate,
                         Optional<TlsMaterial> tls) {
        var sb = Server.builder();
        for (URI url : urls) {
            // Each listener its own scheme: an https port speaks TLS only, an http port plaintext only.
            if ("https".equals(url.getScheme())) {
                sb.port(new InetSocketAddress(url.getHost(), listenPort(url)), SessionProtocol.HTTPS);
            } else {
                // etcd's warnings
                if (config.clientTls().hasServerCertificate()) {
                    LOG.warn("scheme is HTTP while key and cert files are present; ignoring key and cert files"
                            + " for client URL {}", url);
                }
                if (config.clientTls().clientCertAuth()) {
                    LOG.warn("scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for"
                            + " client URL {}", url);
                }
                sb.port(new InetSocketAddress(url.getHost(), listenPort(url)), SessionProtocol.HTTP);
            }
        }
        tls.ifPresent(m -> ClientPortTls.configure(sb, m));
        config.listenerSockets().configure(sb);
        // Watches and keepalives are long-lived streams; etcd sets no request or idle timeouts.
        sb.requestTimeoutMillis(0).idleTimeoutMillis(0).maxRequestLength(0);
        configureConnections(sb, config.clientConnections());
        // etcd's metrics come from the metrics exporter plugins, not from Armeria's own meters.
        sb.meterRegistry(NoopMeterRegistry.get());
        // In-flight requests may finish (up to a second); no quiet period waiting for new ones,
        // nor in the accepting loop's shutdown that follows.
        sb.gracefulShutdownTimeoutMillis(0, 1000);
        QuickStopBossGroup.install(sb);
        // Until the services are installed, requests wait at the gate (as etcd's wait for its member).
        sb.serviceUnder("/", gate);
        Server server = sb.build();
        try {
            server.start().join();
        } catch (java.util.concurrent.CompletionException e) {
            server.stop();
            throw new IllegalStateException(flag + " " + urls + ": cannot listen: " + rootMessage(e), e);
        }
        return server;
    }

    /** The listener's server, or the exception its start threw, as it threw it. */
    static <T> T joinUnwrapped(CompletableFuture<T> listening) {
        try {
            return listening.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        // Netty's native errors read "bind(..) failed with error(-98): Address already in use".
        int colon = m.lastIndexOf(": ");
        return colon >= 0 ? m.substring(colon + 2) : m;
    }

    /** The port a listen URL asks for: etcd's client port when it names none, 0 for any free port. */
    private static int listenPort(URI url) {
        return url.getPort() < 0 ? 2379 : url.getPort();
    }

    /**
     * The listen URLs with the ports actually bound, in the order given: a URL asking for port 0
     * takes a bound port on its own host address that no other URL took.
     */
    static List<URI> boundUrls(List<URI> listen, Server server) {
        List<InetSocketAddress> unclaimed = new ArrayList<>();
        server.activePorts().values().forEach(p -> unclaimed.add(p.localAddress()));
        for (URI url : listen) {
            if (listenPort(url) > 0) {
                unclaimed.removeIf(a -> a.getPort() == listenPort(url));
            }
        }
        List<URI> bound = new ArrayList<>();
        for (URI url : listen) {
            int port = listenPort(url);
            if (port == 0) {
                InetSocketAddress host = new InetSocketAddress(url.getHost(), 0);
                InetSocketAddress taken = unclaimed.stream()
                        .filter(a -> a.getAddress().equals(host.getAddress()))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no port bound for " + url));
                unclaimed.remove(taken);
                port = taken.getPort();
            }
            bound.add(URI.create(url.getScheme() + "://" + url.getHost() + ":" + port));
        }
        return bound;
    }

    /** Advertised URLs with port 0 take the bound port of the first listener. */
    static List<URI> advertisedUrls(List<URI> advertise, List<URI> bound) {
        List<URI> out = new ArrayList<>();
        for (URI url : advertise) {
            if (url.getPort() == 0 && !bound.isEmpty()) {
                out.add(URI.create(url.getScheme() + "://" + url.getHost() + ":" + bound.get(0).getPort()));
            } else {
                out.add(url);
            }
        }
        return out;
    }
}
