package io.kvorum.launcher.proxy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's v2 proxy ({@code startProxy}): no member, only a forwarder. At start it takes the peer
 * URLs from its cluster file ({@code <data-dir>/proxy/cluster}) when there is one, else from the
 * discovery service or {@code --initial-cluster}; at every refresh it asks those peers for the
 * members ({@link ClusterLookup}), forwards to their client URLs ({@link Director}) and writes the
 * members' peer URLs to the cluster file for the next start.
 *
 * <p>Threads: one timer thread (refreshes, endpoints coming back); the listeners' requests run on a
 * bounded pool ({@value #MAX_REQUEST_THREADS} at a time; a long-poll watch holds one), and a
 * connection beyond it is closed.
 */
public final class V2Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(V2Proxy.class);
    static final int MAX_REQUEST_THREADS = 1024;

    private final ProxyConfig config;
    private final ClusterLookup lookup;
    private final ClusterFile clusterFile;
    private final ScheduledExecutorService timer;
    private final ThreadPoolExecutor requests;
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<URI> boundUrls = new ArrayList<>();
    /** Written by the timer thread only (the director's refreshes). */
    private volatile List<String> peerUrls;

    private V2Proxy(ProxyConfig config, ClusterLookup lookup, List<String> peerUrls) {
        this.config = config;
        this.lookup = lookup;
        this.clusterFile = new ClusterFile(config.proxyDir());
        this.peerUrls = List.copyOf(peerUrls);
        this.timer = Executors.newSingleThreadScheduledExecutor(threads("kvorum-proxy-timer"));
        this.requests = new ThreadPoolExecutor(0, MAX_REQUEST_THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threads("kvorum-proxy-request"));
    }

    /**
     * Starts a proxy: finds the peer URLs to ask, learns the endpoints once, listens.
     *
     * @param lookup    how the members are asked for (see {@link #lookups})
     * @param discovery a discovery service's peer URLs, asked only when there is no cluster file
     * @throws IOException when the data directory cannot be written, the cluster file read, the
     *                     discovery service asked, or a listener opened
     */
    public static V2Proxy start(ProxyConfig config, ClusterLookup lookup, Optional<PeerUrlSource> discovery)
            throws IOException {
        LOG.info("v2 API proxy starting");
        Files.createDirectories(config.proxyDir());
        ClusterFile file = new ClusterFile(config.proxyDir());
        Optional<List<String>> saved = file.read();
        List<String> peerUrls;
        if (saved.isPresent()) {
            if (discovery.isPresent()) {
                LOG.atWarn().setMessage("discovery token ignored since the proxy has already been initialized;"
                        + " valid cluster file found").addKeyValue("cluster-file", file.path().toString()).log();
            }
            peerUrls = saved.get();
            LOG.atInfo().setMessage("proxy using peer URLS from cluster file").addKeyValue("peer-urls", peerUrls)
                    .addKeyValue("cluster-file", file.path().toString()).log();
        } else {
            peerUrls = discovery.isPresent() ? discovery.get().peerUrls() : config.initialPeerUrls();
            LOG.atInfo().setMessage("proxy using peer URLS").addKeyValue("peer-urls", peerUrls).log();
        }
        V2Proxy proxy = new V2Proxy(config, lookup, peerUrls);
        try {
            proxy.listen();
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    /**
     * The usual lookup: the consensus' own peer call (kvorum's raft peers), then etcd's
     * {@code GET /members} on the peer port (real etcd peers).
     */
    public static ClusterLookup lookups(ClusterLookup consensus) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(EtcdPeerMembers.TIMEOUT).build();
        return ClusterLookup.either(consensus, new EtcdPeerMembers(http));
    }

    private void listen() throws IOException {
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (!config.dialTimeout().isZero()) {
            client.connectTimeout(config.dialTimeout());
        }
        Director director = new Director(this::clientUrls, config.failureWait(), timer, new Random());
        director.start(config.refreshInterval());
        ProxyRoutes routes = new ProxyRoutes(director, new ReverseProxy(director, client.build(), config.readTimeout()),
                config.readonly());
        for (URI url : config.listenClientUrls()) {
            if (!"http".equals(url.getScheme())) {
                throw new IOException("listen client URL " + url + ": the v2 proxy serves http:// URLs only");
            }
            HttpServer server = HttpServer.create(new InetSocketAddress(url.getHost(), url.getPort()), 0);
            server.createContext("/", routes);
            server.setExecutor(requests);
            server.start();
            servers.add(server);
            URI bound = URI.create(url.getScheme() + "://" + url.getHost() + ":" + server.getAddress().getPort());
            boundUrls.add(bound);
            LOG.atInfo().setMessage("v2 proxy started listening on client requests")
                    .addKeyValue("host", bound.toString()).log();
        }
    }

    /** etcd's refresh function: the members' client URLs, the cluster file rewritten; none when no peer answers. */
    private List<String> clientUrls() {
        List<String> asked = peerUrls;
        ClusterView cluster;
        try {
            cluster = lookup.lookup(asked);
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().setMessage("failed to get cluster from remote peers").addKeyValue("peer-urls", asked)
                    .addKeyValue("error", String.valueOf(e.getMessage())).log();
            return List.of();
        }
        try {
            clusterFile.write(cluster.peerUrls());
        } catch (IOException e) {
            LOG.atWarn().setMessage("proxy failed to write cluster file")
                    .addKeyValue("error", String.valueOf(e.getMessage())).log();
            return cluster.clientUrls();
        }
        if (!cluster.peerUrls().equals(asked)) {
            LOG.atInfo().setMessage("proxy updated peer URLs").addKeyValue("from", asked)
                    .addKeyValue("to", cluster.peerUrls()).log();
        }
        peerUrls = cluster.peerUrls();
        return cluster.clientUrls();
    }

    /** The URLs served, with the ports actually bound. */
    public List<URI> boundUrls() {
        return List.copyOf(boundUrls);
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        timer.shutdownNow();
        requests.shutdownNow();
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
