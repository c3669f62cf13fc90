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

    /** How a flag takes its value. */
    enum Kind {
        /** Takes one value; given twice, the last one counts. */
        VALUE,
        /** Takes a value each time it is given; all of them count. */
        REPEATABLE,
        /** A boolean: {@code --flag} alone means true, or {@code --flag=true|false}. */
        SWITCH
    }

    /** The groups of {@code --help}, in etcd's order. */
    enum Section {
        MEMBER("Member"), CLUSTERING("Clustering"), SECURITY("Security"), AUTH("Auth"), EXPERIMENTAL("Experimental"), LOGGING("Logging"), PLUGINS("Plugins"), GENERAL("General");

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

    Flag(Section section, String flagName, Kind kind, String defaultText, String usage) {
        this.section = section;
        this.flagName = flagName;
        this.kind = kind;
        this.defaultText = defaultText;
        this.usage = usage;
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
                .append("  kvorum --version\n")
                .append("    Show the version of kvorum.\n\n")
                .append("  kvorum -h | --help\n")
                .append("    Show this help.\n\n")
                .append("Flags are written --flag value, --flag=value or -flag value. Every flag except\n")
                .append("--help and --version can also be set by its environment variable; a flag on the\n")
                .append("command line wins over the variable. URL lists are comma-separated.\n");
        for (Section section : Section.values()) {
            out.append('\n').append(section.title).append(":\n\n");
            for (Flag flag : values()) {
                if (flag.section == section) {
                    out.append("  ").append(flag.display()).append(' ').append(flag.defaultText).append('\n')
                            .append("      ").append(flag.usage).append('\n');
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
