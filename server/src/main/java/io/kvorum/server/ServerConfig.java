package io.kvorum.server;

import io.kvorum.server.compaction.AutoCompaction;
import io.kvorum.server.lease.LeaseCheckpoints;
import io.kvorum.spi.plugin.PluginOptions;
import io.kvorum.spi.tls.TlsSettings;
import java.net.URI;
import io.kvorum.server.auth.AuthTokenSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a member is started with, in etcd's terms. Built once (by the launcher from flags,
 * {@code ETCD_*} variables and the config file, or by an embedding application) and validated.
 *
 * @param name                     {@code --name}
 * @param dataDir                  {@code --data-dir}
 * @param listenClientUrls         {@code --listen-client-urls}, at least one; port 0 binds any free port
 * @param advertiseClientUrls      {@code --advertise-client-urls}; port 0 takes the bound port of the first
 *                                 listener; the builder defaults it to the listen URLs when those are given
 * @param listenPeerUrls           {@code --listen-peer-urls}
 * @param initialAdvertisePeerUrls {@code --initial-advertise-peer-urls}
 * @param initialCluster           {@code --initial-cluster}: member name to its peer URLs, in the order given
 * @param initialClusterToken      {@code --initial-cluster-token}
 * @param initialClusterExisting   {@code --initial-cluster-state existing}
 * @param maxRequestBytes          {@code --max-request-bytes}
 * @param maxTxnOps                {@code --max-txn-ops}
 * @param heartbeatInterval        {@code --heartbeat-interval}
 * @param electionTimeout          {@code --election-timeout}; with the heartbeat it sets the minimum lease TTL
 * @param watchProgressNotifyInterval {@code --experimental-watch-progress-notify-interval}
 * @param initialCorruptCheck      {@code --experimental-initial-corrupt-check}: compare this member's
 *                                 HashKV with its peers' before serving, and refuse to start on a mismatch
 * @param corruptCheckTime         {@code --experimental-corrupt-check-time}: how often the leader compares
 *                                 the members' HashKV (zero: never)
 * @param snapshotCount            {@code --snapshot-count}: committed entries between consensus snapshots
 * @param preVote                  {@code --pre-vote}
 * @param strictReconfigCheck      {@code --strict-reconfig-check}
 * @param initialElectionTickAdvance {@code --initial-election-tick-advance}
 * @param enableGrpcGateway        {@code --enable-grpc-gateway}: serve etcd's gRPC-JSON gateway ({@code /v3/...})
 *                                 on the client port
 * @param cors                     {@code --cors}: the origins whose browsers may read the client port's HTTP answers
 *                                 ({@code *}, the default, or an empty set: any)
 * @param backend                  {@code --backend}: the name of the backend plugin
 * @param backendOptions           options for the backend plugin
 * @param consensus                {@code --consensus}: the name of the consensus plugin
 * @param consensusOptions         options for the consensus plugin
 * @param authToken                {@code --auth-token}: the token provider and its options,
 *                                 {@code simple} or e.g. {@code jwt,pub-key=…,priv-key=…,sign-method=RS256}
 * @param authTokenTtl             {@code --auth-token-ttl}: how long a simple token lives unused
 * @param bcryptCost               {@code --bcrypt-cost}: the cost of the bcrypt hashes of passwords
 * @param clientTls                the client port's TLS: {@code --cert-file}, {@code --key-file},
 *                                 {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code --client-crl-file},
 *                                 {@code --client-cert-allowed-hostname}, {@code --auto-tls}, with
 *                                 {@code --cipher-suites} and {@code --tls-min-version}/{@code --tls-max-version};
 *                                 used by the {@code https://} client URLs
 * @param peerTls                  the peer port's TLS ({@code --peer-*} flags)
 * @param tls                      {@code --tls}: the name of the TLS plugin
 * @param tlsOptions               options for the TLS plugin
 * @param quotaBackendBytes        {@code --quota-backend-bytes}: the backend size at which NOSPACE is raised;
 *                                 0 means the default (2 GiB), a negative value no quota
 * @param autoCompactionMode       {@code --auto-compaction-mode}: {@code periodic} or {@code revision}
 * @param autoCompactionRetention  {@code --auto-compaction-retention}, as etcd reads it: for {@code periodic}
 *                                 whole hours ({@code 1}) or a Go duration ({@code 30m}), for {@code revision}
 *                                 the number of revisions to keep; {@code 0} turns auto-compaction off
 * @param metrics                  {@code --metrics-exporter}, {@code --metrics}, {@code --listen-metrics-urls}
 * @param clientConnections        the client port's HTTP/2 connections: {@code --max-concurrent-streams} and
 *                                 {@code --grpc-keepalive-*}
 * @param compactionBatchLimit     {@code --experimental-compaction-batch-limit}: records a compaction deletes per
 *                                 backend commit
 * @param listenClientHttpUrls     {@code --listen-client-http-urls}: listeners for the HTTP endpoints only (gateway,
 *                                 health, version), as etcd 3.5; when given, {@link #listenClientUrls} serve gRPC only
 * @param leaseCheckpoint          {@code --experimental-enable-lease-checkpoint}: the leader writes its leases'
 *                                 remaining TTLs to the log, so that a leader change does not renew them
 * @param leaseCheckpointPersist   {@code --experimental-enable-lease-checkpoint-persist}: the remaining TTLs are
 *                                 also stored, so that a restart keeps them; needs {@code leaseCheckpoint}
 * @param leaseCheckpointInterval  {@code --lease-checkpoint-interval}: how often a lease is checkpointed (etcd's
 *                                 fixed 5 minutes); only leases with more than that left are
 * @param forceNewCluster          {@code --force-new-cluster}: restart this member, which has data, as the only
 *                                 member of its cluster
 * @param hostWhitelist            {@code --host-whitelist}: the hosts a plain-HTTP request's {@code Host} may name
 *                                 ({@code *} or none: any), as etcd splits the flag's value
 * @param warningApplyDuration     {@code --experimental-warning-apply-duration}: applies that take longer are logged
 *                                 ("apply request took too long") and counted
 * @param listenerSockets          {@code --socket-reuse-port} and {@code --socket-reuse-address} on the member's
 *                                 client, client HTTP and metrics listeners
 * @param stopGrpcServiceOnDefrag  {@code --experimental-stop-grpc-service-on-defrag}: the gRPC health service
 *                                 answers NOT_SERVING while a defragmentation runs
 * @param compactHashCheck         {@code --experimental-compact-hash-check-enabled}: the leader compares the
 *                                 members' hashes at the last compaction revision
 * @param compactHashCheckTime     {@code --experimental-compact-hash-check-time}: how often it does
 * @param backendBatchLimit        {@code --backend-batch-limit}: a backend commit is synced after this many
 *                                 applied entries (0: no bound)
 * @param backendBatchInterval     {@code --backend-batch-interval}: or once this long passed since the last synced
 *                                 one (zero: no bound)
 * @param enableV2                 {@code --enable-v2}: serve etcd's v2 API ({@code /v2/keys}, {@code /v2/members},
 *                                 {@code /v2/machines}) on the client port
 */
public record ServerConfig(
        String name,
        Path dataDir,
        List<URI> listenClientUrls,
        List<URI> advertiseClientUrls,
        List<URI> listenPeerUrls,
        List<URI> initialAdvertisePeerUrls,
        Map<String, List<URI>> initialCluster,
        String initialClusterToken,
        boolean initialClusterExisting,
        long maxRequestBytes,
        int maxTxnOps,
        Duration heartbeatInterval,
        Duration electionTimeout,
        Duration watchProgressNotifyInterval,
        boolean initialCorruptCheck,
        Duration corruptCheckTime,
        long snapshotCount,
        boolean preVote,
        boolean strictReconfigCheck,
        boolean initialElectionTickAdvance,
        boolean enableGrpcGateway,
        Set<String> cors,
        String backend,
        PluginOptions backendOptions,
        String consensus,
        PluginOptions consensusOptions,
        String authToken,
        Duration authTokenTtl,
        int bcryptCost,
        TlsSettings clientTls,
        TlsSettings peerTls,
        String tls,
        PluginOptions tlsOptions,
        long quotaBackendBytes,
        String autoCompactionMode,
        String autoCompactionRetention,
        MetricsSettings metrics,
        ClientConnections clientConnections,
        int compactionBatchLimit,
        List<URI> listenClientHttpUrls,
        boolean leaseCheckpoint,
        boolean leaseCheckpointPersist,
        Duration leaseCheckpointInterval,
        boolean forceNewCluster,
        Set<String> hostWhitelist,
        Duration warningApplyDuration,
        ListenerSockets listenerSockets,
        boolean stopGrpcServiceOnDefrag,
        boolean compactHashCheck,
        Duration compactHashCheckTime,
        long backendBatchLimit,
        Duration backendBatchInterval,
        boolean enableV2) {

    public static final String DEFAULT_NAME = "default";
    public static final URI DEFAULT_CLIENT_URL = URI.create("http://localhost:2379");
    public static final URI DEFAULT_PEER_URL = URI.create("http://localhost:2380");
    public static final String DEFAULT_CLUSTER_TOKEN = "etcd-cluster";
    public static final long DEFAULT_MAX_REQUEST_BYTES = 1_572_864L;
    public static final int DEFAULT_MAX_TXN_OPS = 128;
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration DEFAULT_WATCH_PROGRESS_NOTIFY_INTERVAL = Duration.ofMinutes(10);
    /** etcd's floor for the progress interval. */
    public static final Duration MIN_WATCH_PROGRESS_NOTIFY_INTERVAL = Duration.ofMillis(100);
    public static final long DEFAULT_SNAPSHOT_COUNT = 100_000;
    public static final String DEFAULT_BACKEND = "rocksdb";
    public static final String DEFAULT_CONSENSUS = "standalone";
    public static final String DEFAULT_AUTH_TOKEN = "simple";
    public static final Duration DEFAULT_AUTH_TOKEN_TTL = Duration.ofSeconds(300);
    /** Go's {@code bcrypt.DefaultCost}, etcd's default. */
    public static final int DEFAULT_BCRYPT_COST = 10;
    public static final String DEFAULT_TLS = "pem";
    public static final String DEFAULT_AUTO_COMPACTION_MODE = "periodic";
    public static final String DEFAULT_AUTO_COMPACTION_RETENTION = "0";
    /** etcd's {@code --experimental-compaction-batch-limit} default. */
    public static final int DEFAULT_COMPACTION_BATCH_LIMIT = 1000;
    /** etcd's lease checkpoint interval. */
    public static final Duration DEFAULT_LEASE_CHECKPOINT_INTERVAL = LeaseCheckpoints.DEFAULT_INTERVAL;

    public ServerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataDir, "dataDir");
        listenClientUrls = List.copyOf(listenClientUrls);
        advertiseClientUrls = List.copyOf(advertiseClientUrls);
        // Without a client listener a member serves no one (nor its own health checks), and the
        // RPC stack would bind a random port on every interface in place of none.
        if (listenClientUrls.isEmpty()) {
            throw new IllegalArgumentException("--listen-client-urls: at least one URL is needed"
                    + " (http://127.0.0.1:0 takes any free port)");
        }
        listenPeerUrls = List.copyOf(listenPeerUrls);
        initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
        Map<String, List<URI>> cluster = new LinkedHashMap<>();
        initialCluster.forEach((k, v) -> cluster.put(k, List.copyOf(v)));
        initialCluster = java.util.Collections.unmodifiableMap(cluster);
        Objects.requireNonNull(initialClusterToken, "initialClusterToken");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(backendOptions, "backendOptions");
        Objects.requireNonNull(consensus, "consensus");
        Objects.requireNonNull(consensusOptions, "consensusOptions");
        Objects.requireNonNull(clientTls, "clientTls");
        Objects.requireNonNull(peerTls, "peerTls");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(tlsOptions, "tlsOptions");
        Objects.requireNonNull(metrics, "metrics");
        for (URI url : listenClientUrls) {
            if ("https".equals(url.getScheme()) && !clientTls.hasServerCertificate()) {
                // etcd's words
                throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + url + " with HTTPS scheme");
            }
        }
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("--max-request-bytes must be positive, got " + maxRequestBytes);
        }
        if (maxTxnOps <= 0) {
            throw new IllegalArgumentException("--max-txn-ops must be positive, got " + maxTxnOps);
        }
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(electionTimeout, "electionTimeout");
        Objects.requireNonNull(watchProgressNotifyInterval, "watchProgressNotifyInterval");
        Objects.requireNonNull(corruptCheckTime, "corruptCheckTime");
        if (corruptCheckTime.isNegative()) {
            throw new IllegalArgumentException("--experimental-corrupt-check-time must not be negative, got " + corruptCheckTime);
        }
        if (heartbeatInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("--heartbeat-interval must be at least 1 ms");
        }
        // etcd: the election timeout must be at least five heartbeats
        if (electionTimeout.compareTo(heartbeatInterval.multipliedBy(5)) < 0) {
            throw new IllegalArgumentException("--election-timeout[" + electionTimeout.toMillis()
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeatInterval.toMillis() + "ms]");
        }
        AuthTokenSpec.parse(authToken); // fails naming --auth-token
        Objects.requireNonNull(authTokenTtl, "authTokenTtl");
        if (authTokenTtl.isNegative() || authTokenTtl.isZero()) {
            throw new IllegalArgumentException("--auth-token-ttl must be positive, got " + authTokenTtl.toSeconds());
        }
        if (snapshotCount < 1) {
            throw new IllegalArgumentException("--snapshot-count must be positive, got " + snapshotCount);
        }
        Objects.requireNonNull(autoCompactionMode, "autoCompactionMode");
        Objects.requireNonNull(autoCompactionRetention, "autoCompactionRetention");
        AutoCompaction.parse(autoCompactionMode, autoCompactionRetention); // names the flag when it throws
        Objects.requireNonNull(leaseCheckpointInterval, "leaseCheckpointInterval");
        if (leaseCheckpointInterval.isNegative() || leaseCheckpointInterval.isZero()) {
            throw new IllegalArgumentException("--lease-checkpoint-interval must be positive, got "
                    + leaseCheckpointInterval);
        }
        if (leaseCheckpointPersist && !leaseCheckpoint) {
            throw new IllegalArgumentException("setting experimental-enable-lease-checkpoint-persist requires"
                    + " experimental-enable-lease-checkpoint"); // etcd's words
        }
        if (watchProgressNotifyInterval.compareTo(MIN_WATCH_PROGRESS_NOTIFY_INTERVAL) < 0) {
            throw new IllegalArgumentException("--experimental-watch-progress-notify-interval must be at least 100ms, got "
                    + watchProgressNotifyInterval.toMillis() + "ms");
        }
        Objects.requireNonNull(clientConnections, "clientConnections");
        Objects.requireNonNull(listenerSockets, "listenerSockets");
        Objects.requireNonNull(compactHashCheckTime, "compactHashCheckTime");
        Objects.requireNonNull(backendBatchInterval, "backendBatchInterval");
        listenClientHttpUrls = List.copyOf(listenClientHttpUrls);
        for (URI url : listenClientHttpUrls) {
            if ("https".equals(url.getScheme()) && !clientTls.hasServerCertificate()) {
                throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + url + " with HTTPS scheme");
            }
        }
        if (compactionBatchLimit < 1) {
            throw new IllegalArgumentException("--experimental-compaction-batch-limit must be positive, got "
                    + compactionBatchLimit);
        }
    }

    /**
     * This configuration with another initial cluster and cluster token: what the launcher's
     * discovery ({@code --discovery}, {@code --discovery-srv}) found before the member starts.
     */
    public ServerConfig withInitialCluster(Map<String, List<URI>> cluster, String clusterToken) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, cluster, clusterToken, initialClusterExisting,
                maxRequestBytes, maxTxnOps, heartbeatInterval, electionTimeout, watchProgressNotifyInterval,
                initialCorruptCheck, corruptCheckTime, snapshotCount, preVote, strictReconfigCheck,
                initialElectionTickAdvance, enableGrpcGateway, cors, backend, backendOptions, consensus, consensusOptions,
                authToken, authTokenTtl, bcryptCost, clientTls, peerTls, tls, tlsOptions,
                quotaBackendBytes, autoCompactionMode, autoCompactionRetention, metrics, clientConnections,
                compactionBatchLimit, listenClientHttpUrls,
                leaseCheckpoint, leaseCheckpointPersist, leaseCheckpointInterval, forceNewCluster,
                hostWhitelist, warningApplyDuration, listenerSockets, stopGrpcServiceOnDefrag,
                compactHashCheck, compactHashCheckTime, backendBatchLimit, backendBatchInterval, enableV2);
    }

    /** The token provider {@link #authToken()} names ({@code simple}, {@code jwt}). */
    public String authTokenProvider() {
        return AuthTokenSpec.parse(authToken).provider();
    }

    /** Whether some client URL is served over TLS. */
    public boolean servesClientTls() {
        return listenClientUrls.stream().anyMatch(u -> "https".equals(u.getScheme()))
                || listenClientHttpUrls.stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    /** Whether the peer URLs ask for TLS. */
    public boolean servesPeerTls() {
        return listenPeerUrls.stream().anyMatch(u -> "https".equals(u.getScheme()))
                || initialAdvertisePeerUrls.stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    /** A config with etcd's defaults for a member called {@code name}, storing under {@code dataDir}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ServerConfig}, starting from etcd's defaults. */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private Path dataDir;
        private List<URI> listenClientUrls = List.of(DEFAULT_CLIENT_URL);
        private List<URI> advertiseClientUrls;
        private List<URI> listenPeerUrls = List.of(DEFAULT_PEER_URL);
        private List<URI> initialAdvertisePeerUrls = List.of(DEFAULT_PEER_URL);
        private Map<String, List<URI>> initialCluster;
        private String initialClusterToken = DEFAULT_CLUSTER_TOKEN;
        private boolean initialClusterExisting;
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxTxnOps = DEFAULT_MAX_TXN_OPS;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration electionTimeout = DEFAULT_ELECTION_TIMEOUT;
        private Duration watchProgressNotifyInterval = DEFAULT_WATCH_PROGRESS_NOTIFY_INTERVAL;
        private boolean initialCorruptCheck;
        private Duration corruptCheckTime = Duration.ZERO;
        private long snapshotCount = DEFAULT_SNAPSHOT_COUNT;
        private boolean preVote = true;
        private boolean strictReconfigCheck = true;
        private boolean initialElectionTickAdvance = true;
        private boolean enableGrpcGateway = true;
        private Set<String> cors = Set.of("*");
        private String backend = DEFAULT_BACKEND;
        private PluginOptions backendOptions = PluginOptions.empty();
        private String consensus = DEFAULT_CONSENSUS;
        private PluginOptions consensusOptions = PluginOptions.empty();
        private String authToken = DEFAULT_AUTH_TOKEN;
        private Duration authTokenTtl = DEFAULT_AUTH_TOKEN_TTL;
        private int bcryptCost = DEFAULT_BCRYPT_COST;
        private TlsSettings clientTls = TlsSettings.none();
        private TlsSettings peerTls = TlsSettings.none();
        private String tls = DEFAULT_TLS;
        private PluginOptions tlsOptions = PluginOptions.empty();
        private long quotaBackendBytes;
        private String autoCompactionMode = DEFAULT_AUTO_COMPACTION_MODE;
        private String autoCompactionRetention = DEFAULT_AUTO_COMPACTION_RETENTION;
        private MetricsSettings metrics = MetricsSettings.none();
        private ClientConnections clientConnections = ClientConnections.DEFAULT;
        private int compactionBatchLimit = DEFAULT_COMPACTION_BATCH_LIMIT;
        private List<URI> listenClientHttpUrls = List.of();
        private boolean leaseCheckpoint;
        private boolean leaseCheckpointPersist;
        private Duration leaseCheckpointInterval = DEFAULT_LEASE_CHECKPOINT_INTERVAL;
        private boolean forceNewCluster;
        private Set<String> hostWhitelist = Set.of("*");
        private Duration warningApplyDuration = Duration.ofMillis(100);
        private ListenerSockets listenerSockets = ListenerSockets.DEFAULT;
        private boolean stopGrpcServiceOnDefrag;
        private boolean compactHashCheck;
        private Duration compactHashCheckTime = Duration.ofMinutes(1);
        private long backendBatchLimit;
        private Duration backendBatchInterval = Duration.ZERO;
        private boolean enableV2;

        private Builder() {
        }

        public Builder name(String v) { name = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        /** Where to serve clients; unless {@link #advertiseClientUrls} is given too, also what is advertised. */
        public Builder listenClientUrls(List<URI> v) { listenClientUrls = v; return this; }
        public Builder advertiseClientUrls(List<URI> v) { advertiseClientUrls = v; return this; }
        public Builder listenPeerUrls(List<URI> v) { listenPeerUrls = v; return this; }
        public Builder initialAdvertisePeerUrls(List<URI> v) { initialAdvertisePeerUrls = v; return this; }
        public Builder initialCluster(Map<String, List<URI>> v) { initialCluster = v; return this; }
        public Builder initialClusterToken(String v) { initialClusterToken = v; return this; }
        public Builder initialClusterExisting(boolean v) { initialClusterExisting = v; return this; }
        public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }
        public Builder maxTxnOps(int v) { maxTxnOps = v; return this; }
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
        public Builder electionTimeout(Duration v) { electionTimeout = v; return this; }
        public Builder watchProgressNotifyInterval(Duration v) { watchProgressNotifyInterval = v; return this; }
        public Builder initialCorruptCheck(boolean v) { initialCorruptCheck = v; return this; }
        public Builder corruptCheckTime(Duration v) { corruptCheckTime = v; return this; }
        public Builder snapshotCount(long v) { snapshotCount = v; return this; }
        public Builder preVote(boolean v) { preVote = v; return this; }
        public Builder strictReconfigCheck(boolean v) { strictReconfigCheck = v; return this; }
        public Builder initialElectionTickAdvance(boolean v) { initialElectionTickAdvance = v; return this; }
        public Builder enableGrpcGateway(boolean v) { enableGrpcGateway = v; return this; }
        public Builder cors(Set<String> v) { cors = Set.copyOf(v); return this; }
        public Builder backend(String v) { backend = v; return this; }
        public Builder backendOptions(PluginOptions v) { backendOptions = v; return this; }
        public Builder consensus(String v) { consensus = v; return this; }
        public Builder consensusOptions(PluginOptions v) { consensusOptions = v; return this; }
        public Builder authToken(String v) { authToken = v; return this; }
        public Builder authTokenTtl(Duration v) { authTokenTtl = v; return this; }
        public Builder bcryptCost(int v) { bcryptCost = v; return this; }
        public Builder clientTls(TlsSettings v) { clientTls = v; return this; }
        public Builder peerTls(TlsSettings v) { peerTls = v; return this; }
        public Builder tls(String v) { tls = v; return this; }
        public Builder tlsOptions(PluginOptions v) { tlsOptions = v; return this; }
        public Builder quotaBackendBytes(long v) { quotaBackendBytes = v; return this; }
        public Builder autoCompactionMode(String v) { autoCompactionMode = v; return this; }
        public Builder autoCompactionRetention(String v) { autoCompactionRetention = v; return this; }
        public Builder metrics(MetricsSettings v) { metrics = v; return this; }
        public Builder clientConnections(ClientConnections v) { clientConnections = v; return this; }
        public Builder compactionBatchLimit(int v) { compactionBatchLimit = v; return this; }
        public Builder listenClientHttpUrls(List<URI> v) { listenClientHttpUrls = v; return this; }
        public Builder leaseCheckpoint(boolean v) { leaseCheckpoint = v; return this; }
        public Builder leaseCheckpointPersist(boolean v) { leaseCheckpointPersist = v; return this; }
        public Builder leaseCheckpointInterval(Duration v) { leaseCheckpointInterval = v; return this; }
        public Builder forceNewCluster(boolean v) { forceNewCluster = v; return this; }
        public Builder hostWhitelist(Set<String> v) { hostWhitelist = Set.copyOf(v); return this; }
        public Builder warningApplyDuration(Duration v) { warningApplyDuration = v; return this; }
        public Builder listenerSockets(ListenerSockets v) { listenerSockets = v; return this; }
        public Builder stopGrpcServiceOnDefrag(boolean v) { stopGrpcServiceOnDefrag = v; return this; }
        public Builder compactHashCheck(boolean v) { compactHashCheck = v; return this; }
        public Builder compactHashCheckTime(Duration v) { compactHashCheckTime = v; return this; }
        public Builder backendBatchLimit(long v) { backendBatchLimit = v; return this; }
        public Builder backendBatchInterval(Duration v) { backendBatchInterval = v; return this; }
        public Builder enableV2(boolean v) { enableV2 = v; return this; }

        public ServerConfig build() {
            Path dir = dataDir != null ? dataDir : Path.of(name + ".kvorum");
            Map<String, List<URI>> cluster = initialCluster != null
                    ? initialCluster
                    : Map.of(name, initialAdvertisePeerUrls);
            // Advertise where this member listens (a port 0 there resolves to the bound port),
            // unless told otherwise: what an embedding application means by naming listeners only.
            List<URI> advertise = advertiseClientUrls != null ? advertiseClientUrls : listenClientUrls;
            return new ServerConfig(name, dir, listenClientUrls, advertise, listenPeerUrls,
                    initialAdvertisePeerUrls, cluster, initialClusterToken, initialClusterExisting,
                    maxRequestBytes, maxTxnOps, heartbeatInterval, electionTimeout, watchProgressNotifyInterval,
                    initialCorruptCheck, corruptCheckTime, snapshotCount, preVote, strictReconfigCheck,
                    initialElectionTickAdvance, enableGrpcGateway, cors, backend, backendOptions, consensus, consensusOptions,
                    authToken, authTokenTtl, bcryptCost, clientTls, peerTls, tls, tlsOptions,
                    quotaBackendBytes, autoCompactionMode, autoCompactionRetention, metrics, clientConnections,
                    compactionBatchLimit, listenClientHttpUrls,
                    leaseCheckpoint, leaseCheckpointPersist, leaseCheckpointInterval, forceNewCluster,
                    hostWhitelist, warningApplyDuration, listenerSockets, stopGrpcServiceOnDefrag,
                    compactHashCheck, compactHashCheckTime, backendBatchLimit, backendBatchInterval, enableV2);
        }
    }
}
