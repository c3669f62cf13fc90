package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.kvorum.spi.tls.TlsMaterial;
import javax.net.ssl.SSLException;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.spi.consensus.PeerTraffic;
import io.kvorum.consensus.raft.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.consensus.raft.core.MessageType;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Transport} of gRPC streams on the peer URLs ({@code http://}, or {@code https://} with
 * the server's peer TLS, see {@link PeerTlsContexts}); the wire
 * shape is described in this package's documentation. Threads and sockets belong to the instance
 * from construction to {@link #close()}; calls work as soon as it exists, the listeners once
 * {@link #start started}, streams and snapshots once {@link #identify identified}.
 */
public final class GrpcTransport implements Transport {
    /** Every thread of the transport has a name that starts so. */
    public static final String THREAD_NAME_PREFIX = "kvorum-raft-transport";
    /** A call not answered in this time fails with {@code DEADLINE_EXCEEDED}. */
    static final long CALL_TIMEOUT_SECONDS = 30;
    /** Threads that answer calls and complete call results; beyond them calls wait, up to {@link #MAX_QUEUED_CALLS}. */
    static final int CALL_WORKERS = 4;
    /** Calls waiting for a worker; beyond, a call is refused with {@code RESOURCE_EXHAUSTED}. */
    static final int MAX_QUEUED_CALLS = 1024;
    /** Threads for snapshots in both directions: each holds one for its whole transfer. */
    static final int SNAPSHOT_WORKERS = 16;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;
    private static final System.Logger LOG = System.getLogger(GrpcTransport.class.getName());

    private final List<URI> listenPeerUrls;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final EventLoopGroup eventLoops;
    /** Owns every outbound stream; also delivers {@link Inbound#onUnreachable}. */
    private final ScheduledThreadPoolExecutor sender;
    /** Calls answered and call results. */
    private final ThreadPoolExecutor workers;
    /** Snapshots sent and received. */
    private final ThreadPoolExecutor snapshotWorkers;
    private final Map<Long, PeerStream> peers = new ConcurrentHashMap<>();
    /** Where appends sent and received are reported (etcd's v2 statistics). */
    private volatile PeerTraffic traffic = PeerTraffic.NONE;
    private final Map<URI, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Set<Long> unreachablePending = ConcurrentHashMap.newKeySet();
    private volatile Optional<Identity> identity = Optional.empty();
    private final PeerAdmission admission = new PeerAdmission(() -> identity);
    private final PeerStream.Owner owner = new PeerStream.Owner() {
        @Override
        public ManagedChannel channel(URI url) {
            return GrpcTransport.this.channel(url);
        }

        @Override
        public Metadata headers(long peerId) {
            Identity self = identity.orElseThrow(() -> new IllegalStateException("member not identified yet"));
            return PeerWire.streamHeaders(self.clusterId(), self.memberId(), peerId);
        }

        @Override
        public void reportUnreachable(long peerId) {
            metrics.peer(peerId).sendFailed();
            GrpcTransport.this.reportUnreachable(peerId);
        }

        @Override
        public void sent(long peerId, int bytes) {
            metrics.peer(peerId).sentBytes.inc(bytes);
        }

        @Override
        public void appendSent(long peerId, int bytes) {
            traffic.appendSent(peerId, bytes);
        }

        @Override
        public void appendsDelivered(long peerId, int appends, long nanos) {
            for (int i = 0; i < appends; i++) {
                traffic.appendDelivered(peerId, nanos);
            }
        }

        @Override
        public void appendDropped(long peerId) {
            traffic.appendDropped(peerId);
        }

        @Override
        public void connected(long peerId) {
            identity.ifPresent(self -> metrics.connected(self.memberId(), peerId));
        }

        @Override
        public void disconnected(long peerId) {
            identity.ifPresent(self -> metrics.disconnected(self.memberId(), peerId));
        }

        @Override
        public void reportRemoved(long peerId) {
            onSender(() -> {
                Inbound to = inbound;
                if (!closed.get() && to != null) {
                    to.onRefusedAsRemoved(peerId);
                }
            });
        }
    };
    private final PeerMetrics metrics;
    /** The peer TLS contexts, when https peer URLs are served or dialed. */
    private final Optional<PeerTlsContexts> tls;
    private volatile Inbound inbound;
    /** Guarded by this. */
    private List<Server> servers = List.of();
    private List<URI> boundPeerUrls;

    /**
     * A transport that will listen on {@code listenPeerUrls} ({@code http://host:port}; port 0 picks
     * a free one, see {@link #boundPeerUrls()}).
     *
     * @throws IllegalArgumentException when a URL is not {@code http://} with a host and a port
     */
    public GrpcTransport(List<URI> listenPeerUrls) {
        this(listenPeerUrls, Optional.empty());
    }

    /**
     * A transport that serves and dials {@code https://} peer URLs with {@code tls} (the server's
     * peer TLS material; the server closes it) and {@code http://} ones in plaintext.
     *
     * @throws IllegalArgumentException when a URL is neither {@code http://} nor, with TLS,
     *                                  {@code https://}, or has no host and port
     */
    public GrpcTransport(List<URI> listenPeerUrls, Optional<TlsMaterial> tls) {
        this(listenPeerUrls, tls, MetricRegistry.noop());
    }

    /** As {@link #GrpcTransport(List, Optional)}, recording etcd's peer metrics into {@code registry}. */
    public GrpcTransport(List<URI> listenPeerUrls, Optional<TlsMaterial> tls, MetricRegistry registry) {
        this.metrics = new PeerMetrics(registry);
        if (listenPeerUrls.isEmpty()) {
            throw new IllegalArgumentException("no listen peer URL");
        }
        try {
            this.tls = tls.isPresent() ? Optional.of(PeerTlsContexts.of(tls.get())) : Optional.empty();
        } catch (SSLException e) {
            throw new IllegalArgumentException("peer TLS: " + e.getMessage(), e);
        }
        this.listenPeerUrls = listenPeerUrls.stream().map(u -> checkedUrl(u, this.tls.isPresent())).toList();
        this.eventLoops = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory(THREAD_NAME_PREFIX + "-io", true), NioIoHandler.newFactory());
        this.sender = new ScheduledThreadPoolExecutor(1, threads("sender"));
        this.sender.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.sender.setRemoveOnCancelPolicy(true);
        this.workers = new ThreadPoolExecutor(CALL_WORKERS, CALL_WORKERS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED_CALLS), threads("worker"));
        this.workers.allowCoreThreadTimeOut(true);
        this.snapshotWorkers = new ThreadPoolExecutor(0, SNAPSHOT_WORKERS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), threads("snapshot"));
    }

    @Override
    public synchronized void start(Inbound inbound) throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("transport closed");
        }
        if (this.inbound != null) {
            throw new IllegalStateException("transport already started");
        }
        Inbound timed = new Inbound() {
            @Override
            public void onMessage(Message message) {
                if (message.type() == MessageType.HEARTBEAT_RESP) {
                    metrics.heartbeatAnswered(message.from());
                }
                inbound.onMessage(message);
            }

            @Override
            public void onSnapshot(Message message, java.io.InputStream body) throws IOException {
                inbound.onSnapshot(message, body);
            }

            @Override
            public void onUnreachable(long peerId) {
                inbound.onUnreachable(peerId);
            }

            @Override
            public Callers callers(String method) {
                return inbound.callers(method);
            }

            @Override
            public CompletableFuture<byte[]> onCall(String method, byte[] request) {
                return inbound.onCall(method, request);
            }
        };
        PeerService service = new PeerService(() -> identity, admission, timed, workers, snapshotWorkers, metrics,
                () -> traffic);
        List<Server> started = new ArrayList<>();
        List<URI> bound = new ArrayList<>();
        for (URI url : listenPeerUrls) {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(url.getHost(), url.getPort()));
            if (isHttps(url)) {
                builder.sslContext(tls.orElseThrow().server());
            }
            Server server = builder
                    .bossEventLoopGroup(eventLoops)
                    .workerEventLoopGroup(eventLoops)
                    .channelType(NioServerSocketChannel.class)
                    .directExecutor()
                    .maxInboundMessageSize(PeerWire.MAX_FRAME_BYTES)
                    .permitKeepAliveTime(5, TimeUnit.SECONDS)
                    .addService(service.definition())
                    .build();
            try {
                server.start();
            } catch (IOException e) {
                started.forEach(Server::shutdownNow);
                throw new IOException("cannot listen on peer URL " + url + ": " + e.getMessage(), e);
            }
            started.add(server);
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            bound.add(withPort(url, port));
        }
        servers = List.copyOf(started);
        boundPeerUrls = List.copyOf(bound);
        this.inbound = inbound;
        for (URI url : boundPeerUrls) {
            // etcd's line; the Map.entry parameter is the line's field where kvorum's logging binding writes it
            LOG.log(Level.INFO, "serving peer traffic", Map.entry("address", url.getHost() + ":" + url.getPort()));
        }
    }

    /** The URLs listened on, with the ports actually bound, in the order given. */
    public synchronized List<URI> boundPeerUrls() {
        if (boundPeerUrls == null) {
            throw new IllegalStateException("transport not started");
        }
        return boundPeerUrls;
    }

    @Override
    public void identify(long memberId, long clusterId) {
        identity = Optional.of(new Identity(memberId, clusterId));
    }

    @Override
    public synchronized void updatePeers(Map<Long, List<URI>> newPeers) {
        if (closed.get()) {
            return;
        }
        Map<Long, List<URI>> checked = new HashMap<>();
        newPeers.forEach((id, urls) -> {
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("peer " + Long.toHexString(id) + " has no URL");
            }
            checked.put(id, urls.stream().map(u -> checkedUrl(u, tls.isPresent())).toList());
        });
        List<PeerStream> removed = new ArrayList<>();
        Set<URI> dropped = new HashSet<>();
        for (Long id : List.copyOf(peers.keySet())) {
            if (!checked.containsKey(id)) {
                PeerStream stream = peers.remove(id);
                metrics.remove(id);
                removed.add(stream);
                dropped.addAll(stream.urls());
            }
        }
        checked.forEach((id, urls) -> {
            PeerStream existing = peers.get(id);
            if (existing == null) {
                metrics.peer(id);
                peers.put(id, new PeerStream(id, urls, owner, sender));
            } else if (!existing.urls().equals(urls)) {
                dropped.addAll(existing.urls());
                onSender(() -> existing.updateUrls(urls));
            }
        });
        admission.members(checked.keySet());
        Set<URI> inUse = new HashSet<>();
        checked.values().forEach(inUse::addAll);
        dropped.removeAll(inUse);
        // After the streams above have let go of them (same thread, queued later).
        onSender(() -> {
            removed.forEach(PeerStream::close);
            for (URI url : dropped) {
                ManagedChannel channel = channels.remove(url);
                if (channel != null) {
                    channel.shutdownNow();
                }
            }
        });
    }

    @Override
    public void updateRemoved(Set<Long> removed) {
        admission.removed(removed);
    }

    @Override
    public void observe(PeerTraffic observer) {
        traffic = observer;
    }

    @Override
    public void send(Message message) {
        if (closed.get()) {
            return;
        }
        PeerStream stream = peers.get(message.to());
        boolean heartbeat = message.type() == MessageType.HEARTBEAT;
        if (stream == null || identity.isEmpty()) {
            if (heartbeat) {
                metrics.heartbeatSendFailures.inc();
            }
            reportUnreachable(message.to());
            return;
        }
        if (heartbeat) {
            metrics.peer(message.to()).heartbeatSent = System.nanoTime();
        }
        if (!stream.send(message) && heartbeat) {
            metrics.heartbeatSendFailures.inc();
        }
    }

    @Override
    public CompletableFuture<Void> sendSnapshot(Message message, SnapshotBody body) {
        PeerStream stream = peers.get(message.to());
        Optional<Identity> self = identity;
        String peer = "peer " + Long.toHexString(message.to());
        if (stream == null || self.isEmpty()) {
            return CompletableFuture.failedFuture(new PeerCallException(
                    "snapshot to " + peer + ": " + (stream == null ? "unknown peer" : "member not identified yet"),
                    true, null));
        }
        URI url = stream.currentUrl();
        try {
            SnapshotUpload upload = new SnapshotUpload(channel(url),
                    PeerWire.streamHeaders(self.get().clusterId(), self.get().memberId(), message.to()),
                    message, body, peer + " at " + url);
            metrics.snapshotSending(message.to(), upload.result());
            snapshotWorkers.execute(upload);
            return upload.result();
        } catch (IllegalStateException | RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new PeerCallException("snapshot to " + peer + ": transport closed",
                    true, e));
        }
    }

    @Override
    public CompletableFuture<byte[]> call(URI peerUrl, String method, byte[] request) {
        return call(peerUrl, Optional.empty(), method, request);
    }

    private CompletableFuture<byte[]> call(URI peerUrl, Optional<Long> to, String method, byte[] request) {
        URI url;
        ManagedChannel channel;
        try {
            url = checkedUrl(peerUrl, tls.isPresent());
            channel = channel(url);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        String what = "call " + method + " to " + url;
        byte[] frame;
        try {
            frame = PeerWire.callRequest(method, request);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Optional<Identity> self = identity;
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = channel.newCall(PeerWire.CALL, CallOptions.DEFAULT
                .withExecutor(Runnable::run)
                .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        call.start(new ClientCall.Listener<>() {
            private byte[] response;

            @Override
            public void onMessage(byte[] message) {
                response = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                byte[] answer = response;
                // Complete off the event loop: whatever the caller chained runs there.
                onWorker(() -> {
                    if (status.isOk() && answer != null) {
                        result.complete(answer);
                    } else {
                        result.completeExceptionally(PeerCallException.of(what,
                                status.isOk() ? Status.INTERNAL.withDescription("no response") : status));
                    }
                });
            }
        }, PeerWire.callHeaders(method, self.map(Identity::clusterId), self.map(Identity::memberId), to));
        call.request(1);
        call.sendMessage(frame);
        call.halfClose();
        return result;
    }

    @Override
    public CompletableFuture<byte[]> call(long peerId, String method, byte[] request) {
        PeerStream stream = peers.get(peerId);
        if (stream == null) {
            return CompletableFuture.failedFuture(new PeerCallException(
                    "call " + method + " to peer " + Long.toHexString(peerId) + ": unknown peer", true, null));
        }
        return callInTurn(peerId, stream.urls(), 0, method, request);
    }

    /** Tries the URLs from {@code index} on, while the peer is unreachable at them. */
    private CompletableFuture<byte[]> callInTurn(long peerId, List<URI> urls, int index, String method,
                                                 byte[] request) {
        return call(urls.get(index), Optional.of(peerId), method, request).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof PeerCallException e && e.unreachable() && index + 1 < urls.size()) {
                return callInTurn(peerId, urls, index + 1, method, request);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * Stops listening, cancels every stream, snapshot and call, and waits (a few seconds at most)
     * for the sockets and threads to be released. Called from one of the transport's own threads
     * (from {@link Inbound}), it shuts everything down without waiting.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean mayWait = !Thread.currentThread().getName().startsWith(THREAD_NAME_PREFIX);
        Runnable closeStreams = () -> peers.values().forEach(PeerStream::close);
        try {
            if (mayWait) {
                sender.submit(closeStreams).get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } else {
                sender.execute(closeStreams);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.log(Level.WARNING, "closing the peer streams", e);
        }
        List<Server> listening;
        synchronized (this) {
            listening = servers;
            servers = List.of();
        }
        listening.forEach(Server::shutdownNow);
        channels.values().forEach(ManagedChannel::shutdownNow);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_TIMEOUT_SECONDS);
        if (mayWait) {
            try {
                for (Server server : listening) {
                    server.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
                }
                for (ManagedChannel channel : channels.values()) {
                    channel.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdownNow();
        snapshotWorkers.shutdownNow();
        sender.shutdown();
        var terminated = eventLoops.shutdownGracefully(0, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (mayWait) {
            terminated.awaitUninterruptibly(2 * CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            try {
                sender.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
                workers.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
                snapshotWorkers.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sender.shutdownNow();
        peers.clear();
        channels.clear();
        LOG.log(Level.DEBUG, "peer transport closed");
    }

    /** The channel to a peer URL, made on first use and shared by streams, snapshots and calls. */
    private ManagedChannel channel(URI url) {
        if (closed.get()) {
            throw new IllegalStateException("transport closed");
        }
        ManagedChannel channel = channels.computeIfAbsent(url, this::newChannel);
        if (closed.get()) {
            channel.shutdownNow();
            throw new IllegalStateException("transport closed");
        }
        return channel;
    }

    private ManagedChannel newChannel(URI url) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(new InetSocketAddress(url.getHost(), url.getPort()));
        if (isHttps(url)) {
            // A peer's https URL is dialed only with peer TLS configured, else the handshake would fail anyway.
            builder.sslContext(tls.orElseThrow(() -> new IllegalStateException("peer URL " + url
                    + " is https://, but this member has no peer TLS (--peer-cert-file, --peer-key-file)")).client())
                    .useTransportSecurity();
        } else {
            builder.usePlaintext();
        }
        return builder
                .eventLoopGroup(eventLoops)
                .channelType(NioSocketChannel.class)
                // Listeners of the peer streams run on the sender thread, which owns those streams.
                .executor(sender)
                .maxInboundMessageSize(PeerWire.MAX_FRAME_BYTES)
                // Retries would buffer what a stream sent so far; Raft resends what matters itself.
                .disableRetry()
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build();
    }

    private void reportUnreachable(long peerId) {
        if (closed.get() || inbound == null) {
            return;
        }
        // One report in flight per peer: a full queue must not flood the sender thread.
        if (unreachablePending.add(peerId)) {
            onSender(() -> {
                unreachablePending.remove(peerId);
                Inbound to = inbound;
                if (!closed.get() && to != null) {
                    to.onUnreachable(peerId);
                }
            });
        }
    }

    private void onSender(Runnable task) {
        try {
            sender.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "transport closing, task dropped");
        }
    }

    private void onWorker(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static ThreadFactory threads(String role) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, THREAD_NAME_PREFIX + "-" + role + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static boolean isHttps(URI url) {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    /** The URL reduced to {@code scheme://host:port}; rejects what the transport cannot serve. */
    private static URI checkedUrl(URI url, boolean tls) {
        if (isHttps(url) && !tls) {
            throw new IllegalArgumentException("peer URL " + url + ": https:// needs peer TLS"
                    + " (--peer-cert-file and --peer-key-file, or --peer-auto-tls)");
        }
        if (!"http".equalsIgnoreCase(url.getScheme()) && !isHttps(url)) {
            throw new IllegalArgumentException("peer URL " + url + ": only http:// and https:// are supported");
        }
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("peer URL " + url + ": needs a host and a port");
        }
        return withPort(url, url.getPort());
    }

    private static URI withPort(URI url, int port) {
        try {
            return new URI(url.getScheme().toLowerCase(java.util.Locale.ROOT), null, url.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("peer URL " + url + ": " + e.getMessage(), e);
        }
    }
}
