package io.kvorum.launcher;

import io.kvorum.server.ServerConfig;
import io.kvorum.spi.tls.TlsSettings;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every flag kvorum understands: etcd's, with etcd's names and defaults, and kvorum's own for
 * choosing plugins. Each configuration flag can also be given as the variable {@link #variable()}.
 */
enum Flag {
    NAME(Section.MEMBER, "name", Kind.VALUE, quoted(ServerConfig.DEFAULT_NAME),
            "Human-readable name for this member."),
    DATA_DIR(Section.MEMBER, "data-dir", Kind.VALUE, "'${name}.kvorum'",
            "Path to the data directory."),
    LISTEN_CLIENT_URLS(Section.MEMBER, "listen-client-urls", Kind.VALUE, quoted(ServerConfig.DEFAULT_CLIENT_URL),
            "List of URLs to listen on for client traffic; port 0 picks a free port."),
    LISTEN_PEER_URLS(Section.MEMBER, "listen-peer-urls", Kind.VALUE, quoted(ServerConfig.DEFAULT_PEER_URL),
            "List of URLs to listen on for peer traffic."),
    MAX_REQUEST_BYTES(Section.MEMBER, "max-request-bytes", Kind.VALUE,
            String.valueOf(ServerConfig.DEFAULT_MAX_REQUEST_BYTES),
            "Maximum client request size in bytes the server will accept."),
    MAX_TXN_OPS(Section.MEMBER, "max-txn-ops", Kind.VALUE, String.valueOf(ServerConfig.DEFAULT_MAX_TXN_OPS),
            "Maximum number of operations permitted in a transaction."),
    HEARTBEAT_INTERVAL(Section.MEMBER, "heartbeat-interval", Kind.VALUE,
            String.valueOf(ServerConfig.DEFAULT_HEARTBEAT_INTERVAL.toMillis()),
            "Time (in milliseconds) of a heartbeat interval."),
    ELECTION_TIMEOUT(Section.MEMBER, "election-timeout", Kind.VALUE,
            String.valueOf(ServerConfig.DEFAULT_ELECTION_TIMEOUT.toMillis()),
            "Time (in milliseconds) for an election to timeout; with the heartbeat it sets the minimum lease TTL."),
    SNAPSHOT_COUNT(Section.MEMBER, "snapshot-count", Kind.VALUE, String.valueOf(ServerConfig.DEFAULT_SNAPSHOT_COUNT),
            "Number of committed transactions to trigger a snapshot to disk."),
    ENABLE_GRPC_GATEWAY(Section.MEMBER, "enable-grpc-gateway", Kind.SWITCH, "true",
            "Enable GRPC gateway."),
    CORS(Section.MEMBER, "cors", Kind.VALUE, "'*'",
            "Comma-separated whitelist of origins for CORS, or cross-origin resource sharing, (empty or * means allow all)."),
    QUOTA_BACKEND_BYTES(Section.MEMBER, "quota-backend-bytes", Kind.VALUE, "'0'",
            "Raise alarms when backend size exceeds the given quota (0 defaults to low space quota: 2 GiB;"
                    + " a negative value disables it)."),

    ADVERTISE_CLIENT_URLS(Section.CLUSTERING, "advertise-client-urls", Kind.VALUE,
            quoted(ServerConfig.DEFAULT_CLIENT_URL),
            "List of this member's client URLs to advertise; required with --listen-client-urls."),
    INITIAL_ADVERTISE_PEER_URLS(Section.CLUSTERING, "initial-advertise-peer-urls", Kind.VALUE,
            quoted(ServerConfig.DEFAULT_PEER_URL),
            "List of this member's peer URLs to advertise to the rest of the cluster."),
    INITIAL_CLUSTER(Section.CLUSTERING, "initial-cluster", Kind.VALUE, "'${name}=${initial-advertise-peer-urls}'",
            "Initial cluster configuration for bootstrapping, as name=url pairs; must name this member."),
    INITIAL_CLUSTER_STATE(Section.CLUSTERING, "initial-cluster-state", Kind.VALUE, "'new'",
            "Initial cluster state ('new' or 'existing')."),
    INITIAL_CLUSTER_TOKEN(Section.CLUSTERING, "initial-cluster-token", Kind.VALUE,
            quoted(ServerConfig.DEFAULT_CLUSTER_TOKEN),
            "Initial cluster token for the cluster during bootstrap."),
    STRICT_RECONFIG_CHECK(Section.CLUSTERING, "strict-reconfig-check", Kind.SWITCH, "true",
            "Reject reconfiguration requests that would cause quorum loss."),
    PRE_VOTE(Section.CLUSTERING, "pre-vote", Kind.SWITCH, "true",
            "Enable to run an additional Raft election phase."),
    INITIAL_ELECTION_TICK_ADVANCE(Section.CLUSTERING, "initial-election-tick-advance", Kind.SWITCH, "true",
            "Whether to fast-forward initial election ticks on boot for faster election."),
    AUTO_COMPACTION_RETENTION(Section.CLUSTERING, "auto-compaction-retention", Kind.VALUE,
            quoted(ServerConfig.DEFAULT_AUTO_COMPACTION_RETENTION),
            "Auto compaction retention length. 0 means disable auto compaction."),
    AUTO_COMPACTION_MODE(Section.CLUSTERING, "auto-compaction-mode", Kind.VALUE,
            quoted(ServerConfig.DEFAULT_AUTO_COMPACTION_MODE),
            "Interpret 'auto-compaction-retention' one of: periodic|revision. 'periodic' for duration based retention,"
                    + " defaulting to hours if no time unit is provided (e.g. '5m'). 'revision' for revision number"
                    + " based retention."),
    FORCE_NEW_CLUSTER(Section.CLUSTERING, "force-new-cluster", Kind.SWITCH, "false",
            "Force to create a new one-member cluster."),

    AUTH_TOKEN(Section.AUTH, "auth-token", Kind.VALUE, quoted(ServerConfig.DEFAULT_AUTH_TOKEN),
            "Specify auth token specific options, e.g. simple, or jwt,pub-key=<path>,priv-key=<path>,sign-method=<alg>,ttl=<duration>."),
    AUTH_TOKEN_TTL(Section.AUTH, "auth-token-ttl", Kind.VALUE, String.valueOf(ServerConfig.DEFAULT_AUTH_TOKEN_TTL.toSeconds()),
            "The lifetime in seconds of the auth token (simple tokens)."),
    BCRYPT_COST(Section.AUTH, "bcrypt-cost", Kind.VALUE, String.valueOf(ServerConfig.DEFAULT_BCRYPT_COST),
            "Specify bcrypt algorithm cost factor for auth password hashing (4 to 31)."),
    CERT_FILE(Section.SECURITY, "cert-file", Kind.VALUE, "''",
            "Path to the client server TLS cert file (PEM; the chain, leaf first)."),
    KEY_FILE(Section.SECURITY, "key-file", Kind.VALUE, "''",
            "Path to the client server TLS key file (PEM: PKCS#1, PKCS#8 or SEC1)."),
    CLIENT_CERT_AUTH(Section.SECURITY, "client-cert-auth", Kind.SWITCH, "false",
            "Enable client cert authentication."),
    CLIENT_CRL_FILE(Section.SECURITY, "client-crl-file", Kind.VALUE, "''",
            "Path to the client certificate revocation list file."),
    CLIENT_CERT_ALLOWED_HOSTNAME(Section.SECURITY, "client-cert-allowed-hostname", Kind.VALUE, "''",
            "Allowed TLS hostname for client cert authentication."),
    TRUSTED_CA_FILE(Section.SECURITY, "trusted-ca-file", Kind.VALUE, "''",
            "Path to the client server TLS trusted CA cert file (one or more CAs)."),
    AUTO_TLS(Section.SECURITY, "auto-tls", Kind.SWITCH, "false",
            "Client TLS using generated certificates."),
    PEER_CERT_FILE(Section.SECURITY, "peer-cert-file", Kind.VALUE, "''",
            "Path to the peer server TLS cert file."),
    PEER_KEY_FILE(Section.SECURITY, "peer-key-file", Kind.VALUE, "''",
            "Path to the peer server TLS key file."),
    PEER_CLIENT_CERT_AUTH(Section.SECURITY, "peer-client-cert-auth", Kind.SWITCH, "false",
            "Enable peer client cert authentication."),
    PEER_TRUSTED_CA_FILE(Section.SECURITY, "peer-trusted-ca-file", Kind.VALUE, "''",
            "Path to the peer server TLS trusted CA file."),
    PEER_CERT_ALLOWED_CN(Section.SECURITY, "peer-cert-allowed-cn", Kind.VALUE, "''",
            "Required CN for client certs connecting to the peer endpoint."),
    PEER_CERT_ALLOWED_HOSTNAME(Section.SECURITY, "peer-cert-allowed-hostname", Kind.VALUE, "''",
            "Allowed TLS hostname for inter peer authentication."),
    PEER_AUTO_TLS(Section.SECURITY, "peer-auto-tls", Kind.SWITCH, "false",
            "Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided."),
    PEER_CRL_FILE(Section.SECURITY, "peer-crl-file", Kind.VALUE, "''",
            "Path to the peer certificate revocation list file."),
    SELF_SIGNED_CERT_VALIDITY(Section.SECURITY, "self-signed-cert-validity", Kind.VALUE,
            String.valueOf(TlsSettings.DEFAULT_SELF_SIGNED_CERT_VALIDITY_YEARS),
            "The validity period, in years, of the client and peer certificates generated for --auto-tls and"
                    + " --peer-auto-tls."),
    CIPHER_SUITES(Section.SECURITY, "cipher-suites", Kind.VALUE, "''",
            "Comma-separated list of supported TLS cipher suites (Go's names), between client/server and peers"
                    + " (empty: the JDK's defaults)."),
    TLS_MIN_VERSION(Section.SECURITY, "tls-min-version", Kind.VALUE, "'TLS1.2'",
            "Minimum TLS version supported. Possible values: TLS1.2, TLS1.3."),
    TLS_MAX_VERSION(Section.SECURITY, "tls-max-version", Kind.VALUE, "''",
            "Maximum TLS version supported. Possible values: TLS1.2, TLS1.3 (empty: TLS1.3)."),

    EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL(Section.EXPERIMENTAL, "experimental-watch-progress-notify-interval",
            Kind.VALUE, "'10m0s'",
            "Duration of periodic watch progress notifications (at least 100ms), e.g. 10m, 500ms."),
    EXPERIMENTAL_INITIAL_CORRUPT_CHECK(Section.EXPERIMENTAL, "experimental-initial-corrupt-check", Kind.SWITCH, "false",
            "Enable to check data corruption before serving any client/peer traffic."),
    EXPERIMENTAL_CORRUPT_CHECK_TIME(Section.EXPERIMENTAL, "experimental-corrupt-check-time", Kind.VALUE, "'0s'",
            "Duration of time between cluster corruption check passes (0s: never), e.g. 10s, 5m."),
    EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT(Section.EXPERIMENTAL, "experimental-enable-lease-checkpoint", Kind.SWITCH,
            "false",
            "Enable leader to send regular checkpoints to other members to prevent reset of remaining TTL on leader change."),
    EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT_PERSIST(Section.EXPERIMENTAL, "experimental-enable-lease-checkpoint-persist",
            Kind.SWITCH, "false",
            "Enable persisting remainingTTL to prevent indefinite auto-renewal of long lived leases. Requires"
                    + " experimental-enable-lease-checkpoint to be enabled."),
    LEASE_CHECKPOINT_INTERVAL(Section.EXPERIMENTAL, "lease-checkpoint-interval", Kind.VALUE, "'5m0s'",
            "kvorum: how often the leader checkpoints a lease's remaining TTL (etcd's fixed 5m); only leases with"
                    + " more than that left are checkpointed."),

    LISTEN_METRICS_URLS(Section.PROFILING, "listen-metrics-urls", Kind.VALUE, "''",
            "List of URLs to listen on for the /metrics and /health endpoints; port 0 picks a free port."),
    METRICS(Section.PROFILING, "metrics", Kind.VALUE, "'basic'",
            "Set level of detail for exported metrics, specify 'extensive' to include server side grpc histogram metrics."),
    METRICS_EXPORTER(Section.PROFILING, "metrics-exporter", Kind.VALUE, "'prometheus'",
            "Metrics exporter plugins, by name, comma-separated; the first that serves scrapes answers /metrics."),
    METRICS_EXPORTER_OPT(Section.PROFILING, "metrics-exporter-opt", Kind.REPEATABLE, "''",
            "Option for the metrics exporters, key=value; repeat the flag or separate with commas."),
    // etcd's remaining flags (3.4's --help, and the 3.5 flags deployments pass): what each does here is
    // in its Support and note; CommandLine#etcdCompatibility reads them.
    WAL_DIR(Section.MEMBER, "wal-dir", Kind.VALUE, "''",
            "Path to the dedicated wal directory.", Support.IMPLEMENTED,
            "the raft consensus' WAL segments go there (its option wal-dir)"),
    MAX_SNAPSHOTS(Section.MEMBER, "max-snapshots", Kind.VALUE, "'5'",
            "Maximum number of snapshot files to retain (0 is unlimited).", Support.IMPLEMENTED,
            "the raft consensus' snapshot files (its option max-snapshots)"),
    MAX_WALS(Section.MEMBER, "max-wals", Kind.VALUE, "'5'",
            "Maximum number of wal files to retain (0 is unlimited).", Support.IMPLEMENTED,
            "the raft consensus' WAL segments; those still needed are always kept (its option max-wals)"),
    BACKEND_BATCH_INTERVAL(Section.MEMBER, "backend-batch-interval", Kind.VALUE, "''",
            "BackendBatchInterval is the maximum time before commit the backend transaction.", Support.IMPLEMENTED,
            "a backend commit is synced once this long passed since the last synced one (checked as entries are"
                    + " applied); empty or 0: no bound"),
    BACKEND_BATCH_LIMIT(Section.MEMBER, "backend-batch-limit", Kind.VALUE, "'0'",
            "BackendBatchLimit is the maximum operations before commit the backend transaction.", Support.IMPLEMENTED,
            "a backend commit is synced after this many applied entries; 0: no bound"),
    MAX_CONCURRENT_STREAMS(Section.MEMBER, "max-concurrent-streams", Kind.VALUE, "'math.MaxUint32'",
            "Maximum concurrent streams that each client can open at a time.", Support.IMPLEMENTED,
            "per client connection (HTTP/2 SETTINGS); 0 or math.MaxUint32: no limit"),
    GRPC_KEEPALIVE_MIN_TIME(Section.MEMBER, "grpc-keepalive-min-time", Kind.VALUE, "'5s'",
            "Minimum duration interval that a client should wait before pinging server.", Support.IMPLEMENTED,
            "more than two client PINGs sooner than this (2 h with no stream open) get GOAWAY too_many_pings,"
                    + " as grpc-go's policy; 0: grpc-go's 5m"),
    GRPC_KEEPALIVE_INTERVAL(Section.MEMBER, "grpc-keepalive-interval", Kind.VALUE, "'2h'",
            "Frequency duration of server-to-client ping to check if a connection is alive (0 to disable).",
            Support.IMPLEMENTED, "the server PINGs a connection it read nothing from for this long; with 0 (either"
                    + " of the two), grpc-go's 2h and 20s as in etcd"),
    GRPC_KEEPALIVE_TIMEOUT(Section.MEMBER, "grpc-keepalive-timeout", Kind.VALUE, "'20s'",
            "Additional duration of wait before closing a non-responsive connection (0 to disable).",
            Support.IMPLEMENTED, "a connection still silent this long after the server's PING is closed"),
    LISTEN_CLIENT_HTTP_URLS(Section.MEMBER, "listen-client-http-urls", Kind.VALUE, "''",
            "List of URLs to listen on for http only client traffic.", Support.IMPLEMENTED,
            "the HTTP endpoints (gateway, /health, /version) there only, gRPC on --listen-client-urls only, as etcd"
                    + " 3.5; each served URL is printed as 'kvorum: serving client HTTP requests on <url>'"),
    SOCKET_REUSE_PORT(Section.MEMBER, "socket-reuse-port", Kind.SWITCH, "'false'",
            "Enable to set socket option SO_REUSEPORT on listeners allowing rebinding of a port already in use.",
            Support.IMPLEMENTED, "the client, client HTTP and metrics listeners; the raft consensus' peer"
                    + " listener is bound without it"),
    SOCKET_REUSE_ADDRESS(Section.MEMBER, "socket-reuse-address", Kind.SWITCH, "'false'",
            "Enable to set socket option SO_REUSEADDR on listeners allowing binding to an address in TIME_WAIT state.",
            Support.IMPLEMENTED, "the client, client HTTP and metrics listeners; the raft consensus' peer"
                    + " listener is bound without it"),

    DISCOVERY(Section.CLUSTERING, "discovery", Kind.VALUE, "''",
            "Discovery URL used to bootstrap the cluster."),
    DISCOVERY_FALLBACK(Section.CLUSTERING, "discovery-fallback", Kind.VALUE, "'proxy'",
            "Expected behavior ('exit' or 'proxy') when discovery services fails. \"proxy\" supports v2 API only."),
    DISCOVERY_PROXY(Section.CLUSTERING, "discovery-proxy", Kind.VALUE, "''",
            "HTTP proxy to use for traffic to discovery service."),
    DISCOVERY_SRV(Section.CLUSTERING, "discovery-srv", Kind.VALUE, "''",
            "DNS srv domain used to bootstrap the cluster.", Support.IMPLEMENTED,
            "the JDK's DNS resolver asks the servers of resolv.conf, or the one KVORUM_DNS_SERVER names (host or"
                    + " host:port); http and https records are combined, as etcd's documentation says"),
    DISCOVERY_SRV_NAME(Section.CLUSTERING, "discovery-srv-name", Kind.VALUE, "''",
            "Suffix to the dns srv name queried when bootstrapping."),
    ENABLE_V2(Section.CLUSTERING, "enable-v2", Kind.SWITCH, "'false'",
            "Accept etcd V2 client requests."),
    V2_DEPRECATION(Section.CLUSTERING, "v2-deprecation", Kind.VALUE, "'not-yet'",
            "v2store deprecation stage: 'not-yet', 'write-only', 'write-only-drop-data' or 'gone'.", Support.ACCEPTED,
            "accepted; the v2 store is kept as at 'not-yet'"),

    HOST_WHITELIST(Section.SECURITY, "host-whitelist", Kind.VALUE, "'*'",
            "Acceptable hostnames from HTTP client requests, if server is not secure (empty or * means allow all).",
            Support.IMPLEMENTED, "plain-HTTP requests (gateway, /health, /version) whose Host names another host get"
                    + " etcd's 421; as etcd, an explicit empty value keeps one empty name, which refuses every named host"),
    EXPERIMENTAL_PEER_SKIP_CLIENT_SAN_VERIFICATION(Section.SECURITY, "experimental-peer-skip-client-san-verification",
            Kind.SWITCH, "'false'", "Skip verification of SAN field in client certificate for peer connections.",
            Support.ACCEPTED, "accepted; peer client certificates' SANs are not checked"),

    ENABLE_PPROF(Section.PROFILING, "enable-pprof", Kind.SWITCH, "'false'",
            "Enable runtime profiling data via HTTP server. Address is at client URL + \"/debug/pprof/\"",
            Support.IMPLEMENTED, "records with JDK Flight Recorder into <data-dir>/kvorum.jfr at stop;"
                    + " Go's /debug/pprof/ paths are not served"),

    DEBUG(Section.LOGGING, "debug", Kind.SWITCH, "'false'",
            "Enable debug-level logging for etcd. Use '--log-level=debug' instead.", Support.IMPLEMENTED,
            "sets --log-level debug unless --log-level is given"),

    PROXY(Section.V2_PROXY, "proxy", Kind.VALUE, "'off'",
            "Proxy mode setting ('off', 'readonly' or 'on').", Support.IMPLEMENTED,
            "on or readonly: a v2 proxy in front of the cluster of --initial-cluster (http:// listeners only)"),
    PROXY_FAILURE_WAIT(Section.V2_PROXY, "proxy-failure-wait", Kind.VALUE, "5000",
            "Time (in milliseconds) an endpoint will be held in a failed state.", Support.IMPLEMENTED, ""),
    PROXY_REFRESH_INTERVAL(Section.V2_PROXY, "proxy-refresh-interval", Kind.VALUE, "30000",
            "Time (in milliseconds) of the endpoints refresh interval.", Support.IMPLEMENTED, ""),
    PROXY_DIAL_TIMEOUT(Section.V2_PROXY, "proxy-dial-timeout", Kind.VALUE, "1000",
            "Time (in milliseconds) for a dial to timeout.", Support.IMPLEMENTED, ""),
    PROXY_WRITE_TIMEOUT(Section.V2_PROXY, "proxy-write-timeout", Kind.VALUE, "5000",
            "Time (in milliseconds) for a write to timeout.", Support.ACCEPTED,
            "checked; the proxy's request to a member is sent whole, with no bound of its own"),
    PROXY_READ_TIMEOUT(Section.V2_PROXY, "proxy-read-timeout", Kind.VALUE, "0",
            "Time (in milliseconds) for a read to timeout.", Support.IMPLEMENTED,
            "bounds the wait for a member's answer to start; 0: no bound"),

    EXPERIMENTAL_ENABLE_V2V3(Section.EXPERIMENTAL, "experimental-enable-v2v3", Kind.VALUE, "''",
            "Serve v2 requests through the v3 backend under a given prefix.", Support.PARTIAL,
            "only empty: the v2 API over the v3 store (v2v3) is not supported yet"),
    EXPERIMENTAL_BACKEND_BBOLT_FREELIST_TYPE(Section.EXPERIMENTAL, "experimental-backend-bbolt-freelist-type",
            Kind.VALUE, "'array'",
            "ExperimentalBackendFreelistType specifies the type of freelist that boltdb backend uses(array and map"
                    + " are supported types).", Support.ACCEPTED, "accepted; not applicable: kvorum has no bbolt"),
    EXPERIMENTAL_COMPACTION_BATCH_LIMIT(Section.EXPERIMENTAL, "experimental-compaction-batch-limit", Kind.VALUE,
            "1000", "ExperimentalCompactionBatchLimit sets the maximum revisions deleted in each compaction batch.",
            Support.IMPLEMENTED, "records deleted per backend commit; 0 or less: 1000"),
    EXPERIMENTAL_WARNING_APPLY_DURATION(Section.EXPERIMENTAL, "experimental-warning-apply-duration", Kind.VALUE,
            "'100ms'", "Warning is generated if requests take more than this duration.", Support.IMPLEMENTED,
            "applies that take longer are logged (\"apply request took too long\") and counted in"
                    + " etcd_server_slow_apply_total; slow read-only requests are not logged"),
    EXPERIMENTAL_COMPACT_HASH_CHECK_ENABLED(Section.EXPERIMENTAL, "experimental-compact-hash-check-enabled",
            Kind.SWITCH, "'false'", "Enable leader to periodically check followers compaction hashes.",
            Support.IMPLEMENTED, "the leader compares each member's HashKV at its last compaction revision;"
                    + " a member that differs gets the CORRUPT alarm"),
    EXPERIMENTAL_COMPACT_HASH_CHECK_TIME(Section.EXPERIMENTAL, "experimental-compact-hash-check-time", Kind.VALUE,
            "'1m'", "Duration of time between leader checks followers compaction hashes.", Support.IMPLEMENTED,
            "must be above 0, as etcd 3.5"),
    EXPERIMENTAL_ENABLE_DISTRIBUTED_TRACING(Section.EXPERIMENTAL, "experimental-enable-distributed-tracing",
            Kind.SWITCH, "'false'", "Enable experimental distributed tracing using OpenTelemetry Tracing.",
            Support.ACCEPTED, "accepted; kvorum has no tracing, and says so at start"),
    EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS(Section.EXPERIMENTAL, "experimental-distributed-tracing-address",
            Kind.VALUE, "'localhost:4317'", "Address for distributed tracing used for OpenTelemetry Tracing.",
            Support.ACCEPTED, "accepted; kvorum has no tracing"),
    EXPERIMENTAL_DISTRIBUTED_TRACING_SERVICE_NAME(Section.EXPERIMENTAL,
            "experimental-distributed-tracing-service-name", Kind.VALUE, "'etcd'",
            "Configures service name for distributed tracing to be used to define service name for OpenTelemetry"
                    + " Tracing.", Support.ACCEPTED, "accepted; kvorum has no tracing"),
    EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID(Section.EXPERIMENTAL,
            "experimental-distributed-tracing-instance-id", Kind.VALUE, "''",
            "Configures service instance ID for distributed tracing to be used to define service instance ID key"
                    + " for OpenTelemetry Tracing.", Support.ACCEPTED, "accepted; kvorum has no tracing"),
    EXPERIMENTAL_DISTRIBUTED_TRACING_SAMPLING_RATE(Section.EXPERIMENTAL,
            "experimental-distributed-tracing-sampling-rate", Kind.VALUE, "'0'",
            "Number of samples to collect per million spans for OpenTelemetry Tracing (if enabled with"
                    + " experimental-enable-distributed-tracing flag).", Support.ACCEPTED,
            "accepted; kvorum has no tracing"),
    EXPERIMENTAL_MEMORY_MLOCK(Section.EXPERIMENTAL, "experimental-memory-mlock", Kind.SWITCH, "'false'",
            "Enable to enforce etcd pages (in particular bbolt) to stay in RAM.", Support.ACCEPTED,
            "accepted; not applicable: kvorum has no bbolt"),
    EXPERIMENTAL_TXN_MODE_WRITE_WITH_SHARED_BUFFER(Section.EXPERIMENTAL,
            "experimental-txn-mode-write-with-shared-buffer", Kind.SWITCH, "'true'",
            "Enable the write transaction to use a shared buffer in its readonly check operations.",
            Support.ACCEPTED, "accepted; not applicable: reads never wait for writes here"),
    EXPERIMENTAL_BOOTSTRAP_DEFRAG_THRESHOLD_MEGABYTES(Section.EXPERIMENTAL,
            "experimental-bootstrap-defrag-threshold-megabytes", Kind.VALUE, "'0'",
            "Enable the defrag during etcd server bootstrap on condition that it will free at least the provided"
                    + " threshold of disk space. Needs to be set to non-zero value to take effect.",
            Support.ACCEPTED, "accepted; no defragmentation at start"),
    EXPERIMENTAL_MAX_LEARNERS(Section.EXPERIMENTAL, "experimental-max-learners", Kind.VALUE, "'1'",
            "Sets the maximum number of learners that can be available in the cluster membership.",
            Support.IMPLEMENTED, "the raft consensus' option max-learners; give every member the same"),
    EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES(Section.EXPERIMENTAL, "experimental-snapshot-catchup-entries", Kind.VALUE,
            "'5000'", "Number of entries for a slow follower to catch up after compacting the raft storage"
                    + " entries.", Support.IMPLEMENTED,
            "the raft consensus' option snapshot-catch-up-entries"),
    EXPERIMENTAL_STOP_GRPC_SERVICE_ON_DEFRAG(Section.EXPERIMENTAL, "experimental-stop-grpc-service-on-defrag",
            Kind.SWITCH, "'false'", "Enable etcd gRPC service to stop serving client requests on defragmentation.",
            Support.IMPLEMENTED, "the gRPC health service (grpc.health.v1) answers NOT_SERVING while a"
                    + " defragmentation runs, as etcd 3.6; the other services keep serving"),
    EXPERIMENTAL_DOWNGRADE_CHECK_TIME(Section.EXPERIMENTAL, "experimental-downgrade-check-time", Kind.VALUE, "'5s'",
            "Duration of time between two downgrade status checks.", Support.ACCEPTED,
            "accepted; kvorum has no downgrade mode"),

    CONFIG_FILE(Section.GENERAL, "config-file", Kind.VALUE, "''",
            "Path to the server configuration file. Note that if a configuration file is provided, other command"
                    + " line flags and environment variables will be ignored."),

    LOG_LEVEL(Section.LOGGING, "log-level", Kind.VALUE, quoted(LogLevel.INFO.flagValue()),
            "Log level: " + LogLevel.names() + "."),
    LOGGER(Section.LOGGING, "logger", Kind.VALUE, "'zap'",
            "'zap' for structured logging (JSON lines, as etcd 3.5), or 'capnslog' (etcd 3.4's text lines; deprecated)."),
    LOG_OUTPUTS(Section.LOGGING, "log-outputs", Kind.VALUE, "'default'",
            "Comma-separated outputs: 'default' and 'stderr' (standard error), 'stdout', file paths (appended to),"
                    + " 'systemd/journal' (standard error, which systemd keeps in its journal)."),
    LOG_FORMAT(Section.LOGGING, "log-format", Kind.VALUE, "'json'",
            "zap's encoding: 'json' or 'console' (tab-separated)."),
    LOG_PACKAGE_LEVELS(Section.LOGGING, "log-package-levels", Kind.VALUE, "''",
            "capnslog only (deprecated): per-package levels, e.g. 'server=DEBUG,node=WARNING'."),

    BACKEND(Section.PLUGINS, "backend", Kind.VALUE, quoted(ServerConfig.DEFAULT_BACKEND),
            "Storage backend plugin, by name."),
    BACKEND_OPT(Section.PLUGINS, "backend-opt", Kind.REPEATABLE, "''",
            "Option for the backend plugin, key=value; repeat the flag or separate with commas."),
    CONSENSUS(Section.PLUGINS, "consensus", Kind.VALUE, quoted(Flag.DEFAULT_CONSENSUS),
            "Consensus plugin, by name."),
    CONSENSUS_OPT(Section.PLUGINS, "consensus-opt", Kind.REPEATABLE, "''",
            "Option for the consensus plugin, key=value; repeat the flag or separate with commas."),
    TLS(Section.PLUGINS, "tls", Kind.VALUE, quoted(ServerConfig.DEFAULT_TLS),
            "TLS plugin, by name: reads the certificates and keys of https:// client and peer URLs."),
    TLS_OPT(Section.PLUGINS, "tls-opt", Kind.REPEATABLE, "''",
            "Option for the TLS plugin, key=value; repeat the flag or separate with commas."),
    PLUGIN_DIR(Section.PLUGINS, "plugin-dir", Kind.REPEATABLE, "''",
            "Folder of drop-in plugins (jars, or folders of jars), loaded besides the distribution's"
                    + " plugins/; repeat the flag or separate with commas."),

    VERSION(Section.GENERAL, "version", Kind.SWITCH, "false",
            "Print the version and exit."),
    HELP(Section.GENERAL, "help", Kind.SWITCH, "false",
            "Show this help and exit (also -h).");

    /** The consensus a launched member uses unless {@code --consensus} says otherwise. */
    static final String DEFAULT_CONSENSUS = "raft";
    /** The metrics exporter a launched member uses unless {@code --metrics-exporter} says otherwise. */
    static final String DEFAULT_METRICS_EXPORTER = "prometheus";

    /** How a flag takes its value. */
    enum Kind {
        /** Takes one value; given twice, the last one counts. */
        VALUE,
        /** Takes a value each time it is given; all of them count. */
        REPEATABLE,
        /** A boolean: {@code --flag} alone means true, or {@code --flag=true|false}. */
        SWITCH
    }

    /** What kvorum does with a flag; {@code --help} and the README say it. */
    enum Support {
        /** Does what it does in etcd. */
        IMPLEMENTED,
        /** Any value etcd takes is accepted; what it does here is the flag's note. */
        ACCEPTED,
        /** Only the values that turn etcd's feature off are accepted; others fail, saying it is not supported yet. */
        PARTIAL
    }

    /** The groups of {@code --help}, in etcd's order. */
    enum Section {
        MEMBER("Member"), CLUSTERING("Clustering"), SECURITY("Security"), AUTH("Auth"),
        PROFILING("Profiling and Monitoring"), EXPERIMENTAL("Experimental"), LOGGING("Logging"),
        V2_PROXY("v2 Proxy (to be deprecated in v4)"), PLUGINS("Plugins"), GENERAL("General");

        private final String title;

        Section(String title) {
            this.title = title;
        }
    }

    private static final String VARIABLE_PREFIX = "ETCD_";

    private static final Map<String, Flag> BY_NAME = Stream.concat(
                    Arrays.stream(values()).map(f -> Map.entry(f.flagName, f)),
                    Stream.of(Map.entry("h", HELP)))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

    private static final Map<String, Flag> BY_VARIABLE = Arrays.stream(values())
            .filter(Flag::readsEnvironment)
            .collect(Collectors.toUnmodifiableMap(Flag::variable, Function.identity()));

    private final Section section;
    private final String flagName;
    private final Kind kind;
    private final String defaultText;
    private final String usage;
    private final Support support;
    private final String note;

    Flag(Section section, String flagName, Kind kind, String defaultText, String usage) {
        this(section, flagName, kind, defaultText, usage, Support.IMPLEMENTED, "");
    }

    Flag(Section section, String flagName, Kind kind, String defaultText, String usage, Support support, String note) {
        this.section = section;
        this.flagName = flagName;
        this.kind = kind;
        this.defaultText = defaultText;
        this.usage = usage;
        this.support = support;
        this.note = note;
    }

    Support support() {
        return support;
    }

    /** What the flag does in kvorum when that differs from etcd; empty when it does what etcd does. */
    String note() {
        return note;
    }

    /** The flag's name without dashes, which is also its key in a config file. */
    String flagName() {
        return flagName;
    }

    /** The flag called {@code name} (without dashes), if there is one. */
    static Optional<Flag> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The configuration flag read from the environment variable {@code variable}, if any. */
    static Optional<Flag> forVariable(String variable) {
        return Optional.ofNullable(BY_VARIABLE.get(variable));
    }

    /** Whether {@code variable} is in the namespace of kvorum's (etcd's) variables. */
    static boolean looksLikeFlagVariable(String variable) {
        return variable.startsWith(VARIABLE_PREFIX);
    }

    Kind kind() {
        return kind;
    }

    /** The flag as written on a command line, e.g. {@code --data-dir}. */
    String display() {
        return "--" + flagName;
    }

    /**
     * Configuration flags can come from the environment; {@code --help} and {@code --version} are
     * actions, and a stray {@code ETCD_VERSION} (common in container images) must not trigger one.
     * Switches that configure (e.g. {@code ETCD_PRE_VOTE=false}) come from it as in etcd.
     */
    boolean readsEnvironment() {
        return this != HELP && this != VERSION;
    }

    /** etcd's rule: {@code --foo-bar} is {@code ETCD_FOO_BAR}. */
    String variable() {
        return VARIABLE_PREFIX + flagName.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** What {@code kvorum --help} prints: every flag with its default and its variable. */
    static String helpText() {
        StringBuilder out = new StringBuilder()
                .append("Usage:\n\n")
                .append("  kvorum [flags]\n")
                .append("    Start a kvorum member.\n\n")
                .append("  kvorum plugins [--plugin-dir dir]\n")
                .append("    List the installed plugins, their options and where each came from.\n\n")
                .append("  kvorum --config-file FILE\n")
                .append("    Start a member configured by an etcd config file (YAML). Note that if a configuration\n")
                .append("    file is provided, other command line flags and environment variables will be ignored.\n\n")
                .append("  kvorum snapshot save|status|restore FILE [flags]\n")
                .append("    etcd's snapshot file: etcdctl's save and status, etcdutl's restore (see README).\n\n")
                .append("  kvorum migrate --from-etcd-data-dir DIR [flags]\n")
                .append("    A kvorum data dir from a stopped etcd member's database and WAL (see README).\n\n")
                .append("  kvorum --version\n")
                .append("    Show the version of kvorum.\n\n")
                .append("  kvorum -h | --help\n")
                .append("    Show this help.\n\n")
                .append("Flags are written --flag value, --flag=value, -flag value or -flag=value. Every flag\n")
                .append("except --help and --version can also be set by its environment variable; a flag on the\n")
                .append("command line wins over the variable. URL lists are comma-separated. A 'kvorum:' line\n")
                .append("says what a flag does where kvorum differs from etcd.\n");
        for (Section section : Section.values()) {
            out.append('\n').append(section.title).append(":\n\n");
            for (Flag flag : values()) {
                if (flag.section == section) {
                    out.append("  ").append(flag.display()).append(' ').append(flag.defaultText).append('\n')
                            .append("      ").append(flag.usage).append('\n');
                    if (!flag.note.isEmpty()) {
                        out.append("      kvorum: ").append(flag.note).append('\n');
                    }
                    if (flag.readsEnvironment()) {
                        out.append("      env ").append(flag.variable()).append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    private static String quoted(Object defaultValue) {
        return "'" + defaultValue + "'";
    }
}
