package io.kvorum.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.metric.NoopMeterRegistry;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.request.AuthRequests;
import io.kvorum.server.auth.AuthTokenSpec;
import io.kvorum.server.auth.Passwords;
import io.kvorum.spi.auth.TokenContext;
import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.V2Requests;
import io.kvorum.server.v2http.V2Http;
import io.kvorum.server.request.LeaderChanges;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.server.lease.LeaseCheckpoints;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.server.cluster.MemberIds;
import io.kvorum.server.corruption.CorruptionCheck;
import io.kvorum.server.forward.MemberChannels;
import io.kvorum.server.alarm.BackendQuota;
import io.kvorum.server.alarm.SampledSize;
import io.kvorum.server.compaction.AutoCompaction;
import io.kvorum.server.compaction.AutoCompactor;
import io.kvorum.server.compaction.CompactionLoop;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.server.grpc.ClientApi;
import io.kvorum.server.metrics.OpenViewsBackend;
import io.kvorum.server.metrics.Registry;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.server.mvcc.MvccConfig;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.tls.TlsContext;
import io.kvorum.spi.tls.TlsMaterial;
import io.kvorum.spi.tls.TlsProvider;
import io.kvorum.spi.tls.TlsSettings;
import io.kvorum.spi.tls.TlsSide;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started member: its backend, MVCC store, state machine, consensus and client listeners, in
 * start order, closed in reverse.
 */
final class ServerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRuntime.class);

    /** What to stop, in the order to stop it: listeners first, the backend last. */
    private final java.util.Deque<AutoCloseable> toClose = new java.util.ArrayDeque<>();
    /** Password checks and hashes that may wait for a bcrypt thread. */
    private static final int MAX_QUEUED_HASHES = 1024;
    private List<URI> clientUrls = List.of();
    private List<URI> metricsUrls = List.of();
    private List<URI> clientHttpUrls = List.of();
    private WatchHub watchHub;
    private CompletableFuture<Void> removal = new CompletableFuture<>();
    private CompletableFuture<? extends Throwable> halted = new CompletableFuture<>();

    private ServerRuntime() {
    }

    static ServerRuntime start(ServerConfig config, BackendProvider backendProvider,
                               ConsensusProvider consensusProvider, TokenProvider tokenProvider,
                               Optional<TlsProvider> tlsProvider, List<MetricsExporterProvider> exporters)
            throws IOException {
        ServerRuntime rt = new ServerRuntime();
        try {
            rt.open(config, backendProvider, consensusProvider, tokenProvider, tlsProvider, exporters);
            return rt;
        } catch (IOException | RuntimeException e) {
            rt.close();
            throw e;
        }
    }

    private void open(ServerConfig config, BackendProvider backendProvider, ConsensusProvider consensusProvider,
                      TokenProvider tokenProvider, Optional<TlsProvider> tlsProvider,
                      List<MetricsExporterProvider> exporters) throws IOException {
        // Everything records into it from the start; exporters open once all is registered.
        Registry registry = new Registry();
        ServerMetrics metrics = new ServerMetrics(registry);
        // One member per data directory, from before anything in it is opened until all is closed.
        toClose.add(DataDirLock.acquire(config.dataDir()));
        // Certificates first: a file that cannot be used fails the start before any data is opened.
        Optional<TlsMaterial> clientTls = Optional.empty();
        if (config.servesClientTls()) {
            clientTls = Optional.of(openTls(tlsProvider, TlsSide.CLIENT, config.clientTls()
                    .withAutoTlsHosts(hosts(java.util.stream.Stream.concat(config.listenClientUrls().stream(),
                            config.listenClientHttpUrls().stream()).toList())), config));
            toClose.add(clientTls.get());
        }
        Optional<TlsMaterial> peerTls = Optional.empty();
        if (config.servesPeerTls()) {
            peerTls = Optional.of(openTls(tlsProvider, TlsSide.PEER, config.peerTls()
                    .withAutoTlsHosts(hosts(config.listenPeerUrls())), config));
            toClose.add(peerTls.get());
        }
        // Loading the gRPC services takes about a second: do it while the backend opens.
        Thread preload = new Thread(ClientApi::preload, "kvorum-preload");
        preload.setDaemon(true);
        preload.start();
        // Listen at once, on a thread of its own while the backend opens: a client that connects
        // while the member starts waits at the gate until it is ready (as etcd's clients do),
        // instead of being refused and backing off.
        StartGate gate = new StartGate();
        CompletableFuture<Server> listening = new CompletableFuture<>();
        Optional<TlsMaterial> listenerTls = clientTls;
        // --listen-client-http-urls: the HTTP endpoints on listeners of their own, with a gate of their own
        StartGate httpGate = new StartGate();
        CompletableFuture<Optional<Server>> httpListening = new CompletableFuture<>();
        Thread listener = new Thread(() -> {
            try {
                listening.complete(ClientListeners.listen(config.listenClientUrls(), "--listen-client-urls", config, gate, listenerTls));
            } catch (RuntimeException | LinkageError e) {
                listening.completeExceptionally(e);
            }
            try {
                httpListening.complete(config.listenClientHttpUrls().isEmpty() ? Optional.empty()
                        : Optional.of(ClientListeners.listen(config.listenClientHttpUrls(), "--listen-client-http-urls", config,
                                httpGate, listenerTls)));
            } catch (RuntimeException | LinkageError e) {
                httpListening.completeExceptionally(e);
            }
        }, "kvorum-listen");
        listener.setDaemon(true);
        listener.start();
        AutoCloseable stopListening = () -> {
            gate.close();
            httpGate.close();
            Server started = listening.exceptionally(e -> null).join();
            if (started != null) {
                started.stop().join();
            }
            httpListening.exceptionally(e -> Optional.empty()).join().ifPresent(http -> http.stop().join());
        };
        toClose.add(stopListening);
        Path memberDir = config.dataDir().resolve("member");
        Path backendDir = Files.createDirectories(memberDir.resolve("db"));
        Path consensusDir = Files.createDirectories(memberDir.resolve("wal"));

        Backend backend;
        long opening = System.nanoTime();
        try {
            backend = new OpenViewsBackend(
                    backendProvider.open(new BackendContext(backendDir, MvccStore.BUCKETS, config.backendOptions())),
                    registry.gauge("etcd_mvcc_db_open_read_transactions", "The number of currently open read transactions"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend-opt: " + e.getMessage(), e);
        }
        toClose.add(backend);
        LOG.atInfo().setMessage("opened backend db")
                .addKeyValue("path", backendDir.toString())
                .addKeyValue("took", Duration.ofNanos(System.nanoTime() - opening))
                .addKeyValue("backend", backendProvider.name())
                .addKeyValue("backend-options", config.backendOptions().toString())
                .log();
        MvccStore store = MvccStore.open(backend,
                mvccConfig(config).recordingInto(MvccConfig.CompactionMetrics.of(registry)));
        Lessor lessor = new Lessor(Lessor.minTtlSeconds(config.heartbeatInterval().toMillis(),
                config.electionTimeout().toMillis()), System::nanoTime, new LeaseCheckpoints(config.leaseCheckpoint(),
                config.leaseCheckpointPersist(), config.leaseCheckpointInterval()));
        if (config.leaseCheckpoint() && !config.leaseCheckpointPersist()) {
            LOG.warn("Detected that checkpointing is enabled without persistence. Consider enabling"
                    + " experimental-enable-lease-checkpoint-persist");
        }
        lessor.recover(store);
        lessor.recordInto(metrics);
        LOG.info("recovered store at revision {} (compacted {}, applied index {}) with {} leases",
                store.currentRevision(), store.compactedRevision(), store.consistentIndex(), lessor.leases().size());
        // Reads and replies run here, never on the apply thread.
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                daemonThreads("kvorum-worker"));
        toClose.add(() -> shutdown(workers));
        AuthTokenSpec tokenSpec = AuthTokenSpec.parse(config.authToken());
        Applier applier;
        try {
            applier = new Applier(store, workers, lessor, applied ->
                    tokenProvider.create(new TokenContext(tokenSpec.options(), config.authTokenTtl(), applied)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--auth-token " + tokenProvider.name() + ": " + e.getMessage(), e);
        }
        toClose.add(() -> applier.auth().tokens().close());
        applier.recordInto(metrics);
        applier.answerOn(() -> callerLoop(workers));
        applier.warningApplyDuration(config.warningApplyDuration());
        applier.backendBatch(config.backendBatchLimit(), config.backendBatchInterval());
        halted = applier.halted();
        // The store a snapshot restore put in place, if any, is the one to close.
        toClose.add(() -> applier.store().close());

        // Hashing and defragmenting are heavy and rare: two at a time, the rest wait their turn.
        ExecutorService blocking = Executors.newFixedThreadPool(2, daemonThreads("kvorum-maintenance"));
        toClose.add(() -> shutdown(blocking));

        // Port 0 is resolved before this member's client URLs are published.
        Server server = ClientListeners.joinUnwrapped(listening);
        clientUrls = ClientListeners.boundUrls(config.listenClientUrls(), server);
        Optional<Server> httpServer = ClientListeners.joinUnwrapped(httpListening);
        clientHttpUrls = httpServer.map(h -> ClientListeners.boundUrls(config.listenClientHttpUrls(), h)).orElse(List.of());
        List<URI> advertised = ClientListeners.advertisedUrls(config.advertiseClientUrls(), clientUrls);

        ClusterSpec cluster = clusterSpec(config, advertised);
        Consensus consensus;
        try {
            consensus = consensusProvider.create(
                    new ConsensusContext(cluster, consensusDir, applier, consensusSettings(config),
                            config.consensusOptions(), peerTls, registry));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--consensus " + consensusProvider.name() + " (--consensus-opt, --initial-cluster): "
                    + e.getMessage(), e);
        }
        toClose.add(() -> applier.stop(new IllegalStateException("server stopped")));
        // Watch responses are serialized and sent on threads of their own, so that a burst of
        // fan-out never delays the answers to writes and reads queued on the workers.
        ExecutorService watchSenders = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                daemonThreads("kvorum-watch-send"));
        toClose.add(() -> shutdown(watchSenders));
        WatchHub watchHub = new WatchHub(applier::store, revision -> header(consensus, revision),
                config.maxRequestBytes(), config.watchProgressNotifyInterval().toNanos(), watchSenders);
        toClose.add(watchHub);
        watchHub.recordInto(registry);
        applier.publishTo(watchHub);
        this.watchHub = watchHub;
        toClose.add(consensus);
        // Stop taking requests before consensus stops (and, on a leader, hands leadership over):
        // etcd's Close stops its client servers first too, then its server, whose Stop transfers.
        toClose.remove(stopListening);
        toClose.add(stopListening);
        // Building the gRPC services is the slow part of a start (class loading): it runs on a thread
        // of its own while consensus starts and elects; its parts only keep references until then.
        LeaderChanges leaderChanges = new LeaderChanges(consensus, config.electionTimeout(), metrics.leaderChanges);
        toClose.add(leaderChanges);
        KvRequests kv = new KvRequests(applier, consensus, leaderChanges, workers, config.maxRequestBytes(),
                cluster.self().id());
        kv.enforce(BackendQuota.of(config.quotaBackendBytes(),
                new SampledSize(backend::size, SampledSize.INTERVAL, System::nanoTime)));
        // Forwarded lease calls and corruption checks reach other members' client URLs as a client would.
        MemberChannels memberChannels = MemberChannels.of(clientTls);
        LeaseRequests leases = new LeaseRequests(kv, lessor, consensus, config.electionTimeout().toMillis(), cluster.self().id(),
                memberChannels);
        // bcrypt takes tens of milliseconds a password on purpose: it gets threads of its own, and
        // what cannot wait in its bounded queue is refused ("too many requests") rather than held
        ExecutorService hashing = new java.util.concurrent.ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(MAX_QUEUED_HASHES), daemonThreads("kvorum-bcrypt"));
        toClose.add(() -> shutdown(hashing));
        AuthRequests auth = new AuthRequests(kv, applier.auth(), hashing, bcryptCost(config.bcryptCost()));
        toClose.add(leases);
        // stop listening before the lessor stops
        toClose.remove(stopListening);
        toClose.add(stopListening);
        CompletableFuture<ClientApi> building = new CompletableFuture<>();
        Thread builder = new Thread(() -> {
            try {
                building.complete(new ClientApi(kv, leases, auth, watchHub, consensus, backend, blocking, config.maxTxnOps(),
                        config.maxRequestBytes(), config.electionTimeout(), registry, config.metrics().level(),
                        config.clientTls().clientCertAuth(), config.stopGrpcServiceOnDefrag()));
            } catch (RuntimeException | LinkageError e) {
                building.completeExceptionally(e);
            }
        }, "kvorum-client-api");
        builder.setDaemon(true);
        builder.start();
        Health health = new Health(kv, applier, consensus, metrics);
        HttpService version = (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
                "{\"etcdserver\":\"" + EtcdVersion.SERVER + "\",\"etcdcluster\":\"" + EtcdVersion.CLUSTER + "\"}");

        consensus.start();
        ConsensusStatus started = consensus.status();
        LOG.info("member {} of cluster {} started with consensus {}", MemberIds.hex(started.memberId()),
                MemberIds.hex(started.clusterId()), consensusProvider.name());
        removal = consensus.removal().thenRun(() -> {
            LOG.error("the member has been permanently removed from the cluster");
            LOG.info("the data-dir used by this member must be removed.");
        });

        if (!consensus.removal().isDone()) { // a removed member stops at once
            awaitFirstLeader(consensus, config.electionTimeout().multipliedBy(3));
            if (consensus.status().leaderId() != 0) { // without one, nothing can be published
                awaitPublished(consensus, config.electionTimeout().multipliedBy(3));
            }
        }
        ClientApi api = building.join();
        MemberMetrics.register(metrics, consensus, applier, backend, watchHub, config.quotaBackendBytes());
        MetricsEndpoints metricsEndpoints = MetricsEndpoints.open(exporters, registry, config.name(), config.metrics());
        toClose.add(metricsEndpoints);
        leaderChanges.start(config.heartbeatInterval());
        CorruptionCheck corruption = new CorruptionCheck(kv, consensus, KvRequests.REQUEST_TIMEOUT, memberChannels);
        toClose.add(corruption);
        if (config.initialCorruptCheck()) {
            corruption.checkInitial(); // before any client is served, as etcd
        }
        corruption.start(config.corruptCheckTime());
        if (config.compactHashCheck()) {
            corruption.startCompactHashCheck(config.compactHashCheckTime());
        }
        AutoCompaction autoCompaction = AutoCompaction.parse(config.autoCompactionMode(), config.autoCompactionRetention());
        if (autoCompaction.enabled()) {
            AutoCompactor compactor = AutoCompactor.of(autoCompaction, kv::currentRevision,
                    revision -> kv.compact(CompactionRequest.newBuilder().setRevision(revision).build()), System::nanoTime);
            CompactionLoop compaction = new CompactionLoop(compactor, () -> {
                ConsensusStatus status = consensus.status();
                return status.leaderId() != 0 && status.leaderId() == status.memberId();
            });
            toClose.add(compaction);
            compaction.start(config.heartbeatInterval());
            LOG.info("auto compaction {} with retention {}", autoCompaction.mode().flagValue(), config.autoCompactionRetention());
        }
        leases.start();
        Optional<TlsMaterial> tls = clientTls;
        Map<String, HttpService> http = new HashMap<>(Map.of("/version", version, "/health", health));
        metricsEndpoints.service().ifPresent(service -> http.put("/metrics", service));
        Map<String, HttpService> metricsRoutes = new HashMap<>(Map.of("/health", health));
        metricsEndpoints.service().ifPresent(service -> metricsRoutes.put("/metrics", service));
        metricsUrls = metricsEndpoints.listen(config.metrics().listenMetricsUrls(), metricsRoutes, clientTls,
                config.listenerSockets());
        http.putAll(new Probes(kv, applier, consensus, metrics).routes());
        // The v2 store is applied and expired whatever the flag (as etcd 3.4 keeps it); only
        // serving it waits for --enable-v2.
        V2Requests v2 = new V2Requests(kv, applier, consensus, workers);
        toClose.add(v2);
        v2.start();
        http.putAll(config.enableV2() ? V2Http.routes(v2, consensus, config.clientTls().clientCertAuth()) : V2Http.notServed());
        if (config.enableGrpcGateway()) {
            HttpService gateway = api.gateway().withWebSockets();
            api.gateway().paths().forEach(path -> http.put(path, gateway));
        }
        Cors cors = new Cors(config.cors());
        HostWhitelist hosts = new HostWhitelist(config.hostWhitelist());
        // etcd's access controller: the Host check first, then CORS
        http.replaceAll((path, service) -> hosts.wrap(cors.wrap(service)));
        // With --listen-client-http-urls, as etcd 3.5: gRPC on the client URLs, HTTP on the HTTP URLs only.
        Map<String, HttpService> httpOnClientUrls = httpServer.isPresent() ? Map.of() : Map.copyOf(http);
        server.reconfigure(sb -> {
            // The virtual host is built anew: it needs its TLS again (the same managers).
            tls.ifPresent(m -> ClientPortTls.configure(sb, m));
            sb.meterRegistry(NoopMeterRegistry.get());
            ClientListeners.configureConnections(sb, config.clientConnections());
            api.bindTo(sb);
            httpOnClientUrls.forEach((path, service) -> ClientListeners.serve(sb, path, service));
        });
        gate.open(new StartGate.Routes(httpOnClientUrls, api.service()));
        httpServer.ifPresent(h -> {
            h.reconfigure(sb -> {
                tls.ifPresent(m -> ClientPortTls.configure(sb, m));
                sb.meterRegistry(NoopMeterRegistry.get());
                ClientListeners.configureConnections(sb, config.clientConnections());
                http.forEach((path, service) -> ClientListeners.serve(sb, path, service));
            });
            httpGate.open(new StartGate.Routes(Map.copyOf(http), (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND)));
            LOG.info("serving client HTTP requests on {}", clientHttpUrls);
        });
        ClientListeners.logServing(clientUrls);
    }

    List<URI> clientHttpUrls() {
        return clientHttpUrls;
    }

    List<URI> clientUrls() {
        return clientUrls;
    }

    List<URI> metricsUrls() {
        return metricsUrls;
    }

    WatchHub watchHub() {
        return watchHub;
    }

    /** Completes once consensus reports this member removed from the cluster (see {@link Consensus#removal()}). */
    CompletableFuture<Void> removal() {
        return removal;
    }

    /** Completes, with the reason, if the apply loop stopped for good: the member must stop (see {@link Applier#halted()}). */
    CompletableFuture<? extends Throwable> halted() {
        return halted;
    }

    void close() {
        for (AutoCloseable c; (c = toClose.pollLast()) != null; ) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping", e);
            }
        }
    }

    private static TlsMaterial openTls(Optional<TlsProvider> provider, TlsSide side,
                                       TlsSettings settings, ServerConfig config) throws IOException {
        TlsProvider tls = provider.orElseThrow(() -> new IllegalStateException("--tls: no TLS plugin given"));
        try {
            return tls.open(new TlsContext(side, settings, config.dataDir().resolve("fixtures").resolve(side.word()),
                    config.tlsOptions()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls " + tls.name() + " (--tls-opt): " + e.getMessage(), e);
        }
    }

    /** The host part of each URL, each once: what an auto-TLS certificate must be valid for. */
    private static List<String> hosts(List<URI> urls) {
        return urls.stream().map(URI::getHost).distinct().toList();
    }

    /** How the store works off compactions: {@code --experimental-compaction-batch-limit}, etcd's pause. */
    static MvccConfig mvccConfig(ServerConfig config) {
        return new MvccConfig(config.compactionBatchLimit(), MvccConfig.DEFAULT.compactionBatchInterval());
    }

    /**
     * Gives the first election a few election timeouts before clients are served, so that a
     * single member (or a cluster started together) answers its first requests without waiting
     * for a leader, and the lessor starts leading with it. A member whose quorum is not up yet
     * serves anyway after that time: its requests wait for a leader as etcd's do.
     */
    private static void awaitFirstLeader(Consensus consensus, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (consensus.status().leaderId() == 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (consensus.status().leaderId() == 0) {
            LOG.info("no leader after {} ms; serving clients, whose requests wait for one", patience.toMillis());
        }
    }

    /**
     * Waits a while for this member's name and client URLs to be in its membership, as etcd
     * serves no client before: a client asking right after the start then sees every started
     * member named, none unstarted. Without a quorum it serves anyway, as after no first leader.
     */
    private static void awaitPublished(Consensus consensus, Duration patience) {
        try {
            consensus.published().get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("this member's name and client URLs not published after {} ms; serving clients", patience.toMillis());
        }
    }

    private static ConsensusSettings consensusSettings(ServerConfig config) {
        return new ConsensusSettings(config.listenPeerUrls(), config.heartbeatInterval(), config.electionTimeout(),
                config.snapshotCount(), config.preVote(), config.strictReconfigCheck(),
                config.initialElectionTickAdvance(), config.forceNewCluster());
    }

    private static ClusterSpec clusterSpec(ServerConfig config, List<URI> advertisedClientUrls) {
        List<Member> members = new ArrayList<>();
        Member self = null;
        for (Map.Entry<String, List<URI>> e : config.initialCluster().entrySet()) {
            long id = MemberIds.memberId(e.getValue(), config.initialClusterToken());
            boolean isSelf = e.getKey().equals(config.name());
            Member m = new Member(id, isSelf ? config.name() : "", strings(e.getValue()),
                    isSelf ? strings(advertisedClientUrls) : List.of(), false);
            members.add(m);
            if (isSelf) {
                self = m;
            }
        }
        if (self == null) {
            throw new IllegalArgumentException("couldn't find local name \"" + config.name()
                    + "\" in the initial cluster configuration");
        }
        long clusterId = MemberIds.clusterId(members.stream().map(Member::id).toList());
        return new ClusterSpec(self, clusterId, config.initialClusterToken(), config.initialClusterExisting(), members);
    }

    private static List<String> strings(List<URI> urls) {
        return urls.stream().map(URI::toString).toList();
    }

    /** A response header at {@code revision}, with this member's ids and term. */
    private static ResponseHeader header(Consensus consensus, long revision) {
        ConsensusStatus s = consensus.status();
        return ResponseHeader.newBuilder().setClusterId(s.clusterId()).setMemberId(s.memberId())
                .setRaftTerm(s.term()).setRevision(revision).build();
    }

    /** As etcd: a cost bcrypt does not take is replaced by the default, with a warning. */
    private static int bcryptCost(int cost) {
        if (cost < Passwords.MIN_COST || cost > Passwords.MAX_COST) {
            LOG.warn("--bcrypt-cost {} is not within [{}, {}]; using the default {}", cost, Passwords.MIN_COST,
                    Passwords.MAX_COST, Passwords.DEFAULT_COST);
            return Passwords.DEFAULT_COST;
        }
        return cost;
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void shutdown(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /**
     * Where a request proposed on the current thread is answered: on its gRPC call's event loop
     * when proposed there (the handler's thread), so that the reply is written in place, with no
     * hand-over to a worker and from it back to the loop; else on {@code otherwise}.
     */
    private static Executor callerLoop(Executor otherwise) {
        RequestContext ctx = RequestContext.currentOrNull();
        return ctx != null && ctx.eventLoop().inEventLoop() ? ctx.eventLoop() : otherwise;
    }
}
