package io.kvorum.launcher;

import io.kvorum.launcher.discovery.DiscoverySettings;
import io.kvorum.server.ClientConnections;
import io.kvorum.server.ListenerSockets;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.plugin.PluginOptions;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * etcd's flags beyond the core ones ({@link Flag.Support}): the client port's limits and the
 * compaction batch go to the server's configuration; the raft consensus' files, log and learners
 * to its options; the v2 proxy's flags are checked (a proxy's start is ProxyFlags'); discovery goes to {@link #discovery()}; the rest are checked
 * as etcd checks them and have no effect here, which {@code --help} and the README say flag by flag.
 */
final class EtcdFlags {
    private final CommandLine line;

    EtcdFlags(CommandLine line) {
        this.line = line;
    }

    /**
     * Checks each value as etcd checks it, sets what the server has a setting for, refuses values that
     * ask for a feature kvorum lacks, and adds what to warn about to {@code warnings}.
     */
    void configure(ServerConfig.Builder config, List<String> warnings) throws UsageException {
        for (Flag flag : List.of(Flag.PROXY_FAILURE_WAIT, Flag.PROXY_REFRESH_INTERVAL,
                Flag.PROXY_DIAL_TIMEOUT, Flag.PROXY_WRITE_TIMEOUT, Flag.PROXY_READ_TIMEOUT,
                Flag.EXPERIMENTAL_BOOTSTRAP_DEFRAG_THRESHOLD_MEGABYTES)) {
            line.value(flag, v -> unsigned(v, Long.MAX_VALUE));
        }
        ClientConnections connections = ClientConnections.DEFAULT;
        config.clientConnections(new ClientConnections(
                line.value(Flag.MAX_CONCURRENT_STREAMS, v -> unsigned(v, ClientConnections.MAX_CONCURRENT_STREAMS_UNLIMITED))
                        .orElse(connections.maxConcurrentStreams()),
                line.value(Flag.GRPC_KEEPALIVE_MIN_TIME, GoDuration::parse).orElse(connections.keepAliveMinTime()),
                line.value(Flag.GRPC_KEEPALIVE_INTERVAL, GoDuration::parse).orElse(connections.keepAliveInterval()),
                line.value(Flag.GRPC_KEEPALIVE_TIMEOUT, GoDuration::parse).orElse(connections.keepAliveTimeout())));
        // etcd: 0 (or less) means its default
        line.value(Flag.EXPERIMENTAL_COMPACTION_BATCH_LIMIT, CommandLine::integer)
                .map(n -> n < 1 || n > Integer.MAX_VALUE ? ServerConfig.DEFAULT_COMPACTION_BATCH_LIMIT : (int) (long) n)
                .ifPresent(config::compactionBatchLimit);
        line.value(Flag.EXPERIMENTAL_DISTRIBUTED_TRACING_SAMPLING_RATE, CommandLine::integer);
        line.value(Flag.BACKEND_BATCH_LIMIT, CommandLine::integer).ifPresent(config::backendBatchLimit);
        line.value(Flag.EXPERIMENTAL_WARNING_APPLY_DURATION, GoDuration::parse).ifPresent(config::warningApplyDuration);
        config.listenerSockets(new ListenerSockets(
                line.value(Flag.SOCKET_REUSE_PORT, CommandLine::bool).orElse(false),
                line.value(Flag.SOCKET_REUSE_ADDRESS, CommandLine::bool).orElse(false)));
        line.value(Flag.EXPERIMENTAL_STOP_GRPC_SERVICE_ON_DEFRAG, CommandLine::bool)
                .ifPresent(config::stopGrpcServiceOnDefrag);
        line.value(Flag.EXPERIMENTAL_COMPACT_HASH_CHECK_ENABLED, CommandLine::bool).ifPresent(config::compactHashCheck);
        java.util.Optional<java.time.Duration> hashCheckTime =
                line.value(Flag.EXPERIMENTAL_COMPACT_HASH_CHECK_TIME, GoDuration::parse);
        if (hashCheckTime.isPresent()) {
            if (hashCheckTime.get().isNegative() || hashCheckTime.get().isZero()) { // etcd 3.5's check
                throw new UsageException("--experimental-compact-hash-check-time must be >0 (set to "
                        + line.value(Flag.EXPERIMENTAL_COMPACT_HASH_CHECK_TIME, Function.identity()).orElse("") + ")");
            }
            config.compactHashCheckTime(hashCheckTime.get());
        }
        line.value(Flag.EXPERIMENTAL_DOWNGRADE_CHECK_TIME, GoDuration::parse);
        line.value(Flag.BACKEND_BATCH_INTERVAL, GoDuration::parse).ifPresent(config::backendBatchInterval);
        for (Flag flag : Flag.values()) {
            if (flag.kind() == Flag.Kind.SWITCH) {
                line.value(flag, CommandLine::bool);
            }
        }
        line.value(Flag.V2_DEPRECATION, v -> oneOf(v, "not-yet", "write-only", "write-only-drop-data", "gone"));
        // etcd splits the value at commas and keeps every piece, an empty one too
        line.value(Flag.HOST_WHITELIST, v -> Set.copyOf(Arrays.asList(v.split(",", -1))))
                .ifPresent(config::hostWhitelist);

        // a proxy's start never gets here (ProxyFlags); a member's checks the value
        ProxyFlags.mode(line);
        if (line.switchedOn(Flag.ENABLE_V2)) {
            config.enableV2(true);
        }
        Optional<String> v2v3 = line.value(Flag.EXPERIMENTAL_ENABLE_V2V3, Function.identity()).filter(v -> !v.isEmpty());
        if (v2v3.isPresent()) {
            throw notSupported(Flag.EXPERIMENTAL_ENABLE_V2V3, v2v3.get(), "the v2 API over the v3 store (v2v3)");
        }
        line.value(Flag.LISTEN_CLIENT_HTTP_URLS, v -> v.isEmpty() ? List.<URI>of() : CommandLine.urls(v))
                .ifPresent(config::listenClientHttpUrls);
        if (line.switchedOn(Flag.EXPERIMENTAL_ENABLE_DISTRIBUTED_TRACING)) {
            warnings.add(Flag.EXPERIMENTAL_ENABLE_DISTRIBUTED_TRACING.display()
                    + ": kvorum has no distributed tracing; no spans are exported");
        }
    }

    /**
     * The discovery flags; {@link io.kvorum.launcher.discovery.Bootstrap} acts on them before the
     * member starts. At most one of {@code --initial-cluster}, {@code --discovery} and
     * {@code --discovery-srv} may be given, as in etcd.
     */
    DiscoverySettings discovery() throws UsageException {
        DiscoverySettings.Fallback fallback = line.value(Flag.DISCOVERY_FALLBACK, v -> oneOf(v, "exit", "proxy"))
                .map(v -> v.equals("exit") ? DiscoverySettings.Fallback.EXIT : DiscoverySettings.Fallback.PROXY)
                .orElse(DiscoverySettings.Fallback.PROXY);
        String url = text(Flag.DISCOVERY);
        String srv = text(Flag.DISCOVERY_SRV);
        long bootstraps = List.of(url, text(Flag.INITIAL_CLUSTER), srv).stream().filter(v -> !v.isEmpty()).count();
        if (bootstraps > 1) {
            throw new UsageException("multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\","
                    + " \"discovery\" or \"discovery-srv\"");
        }
        return new DiscoverySettings(url, fallback, text(Flag.DISCOVERY_PROXY), srv, text(Flag.DISCOVERY_SRV_NAME));
    }

    private String text(Flag flag) throws UsageException {
        return line.value(flag, Function.identity()).orElse("");
    }

    private static UsageException notSupported(Flag flag, String value, String feature) {
        return new UsageException(flag.display() + " " + value + ": " + feature + " is not supported yet");
    }

    /** An unsigned integer up to {@code max}, as Go's ParseUint reads it (decimal, or 0x, 0o, 0b). */
    static long unsigned(String value, long max) {
        long n;
        try {
            String v = value.toLowerCase(java.util.Locale.ROOT);
            n = v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16)
                    : v.startsWith("0b") ? Long.parseUnsignedLong(v.substring(2), 2)
                    : v.startsWith("0o") ? Long.parseUnsignedLong(v.substring(2), 8)
                    : v.length() > 1 && v.startsWith("0") ? Long.parseUnsignedLong(v.substring(1), 8)
                    : Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parse error", e);
        }
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("value out of range");
        }
        return n;
    }

    /** etcd's selective flags: one of the listed values. */
    private static String oneOf(String value, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw new IllegalArgumentException("valid values are " + String.join(", ", allowed));
        }
        return value;
    }

    /**
     * {@code --consensus-opt}, and for the raft plugin etcd's flags of its files and log as its
     * options; an option given with {@code --consensus-opt} wins over the etcd flag.
     */
    PluginOptions consensusOptions(String consensus, List<String> warnings) throws UsageException {
        PluginOptions given = line.options(Flag.CONSENSUS_OPT);
        Map<String, String> etcdFlags = new LinkedHashMap<>();
        etcdFlags.put("max-snapshots", String.valueOf(line.value(Flag.MAX_SNAPSHOTS, v -> unsigned(v, Integer.MAX_VALUE))
                .orElse(ETCD_DEFAULT_MAX_FILES)));
        etcdFlags.put("max-wals", String.valueOf(line.value(Flag.MAX_WALS, v -> unsigned(v, Integer.MAX_VALUE))
                .orElse(ETCD_DEFAULT_MAX_FILES)));
        line.value(Flag.WAL_DIR, Function.identity()).filter(v -> !v.isEmpty())
                .ifPresent(v -> etcdFlags.put("wal-dir", v));
        line.value(Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES, v -> CommandLine.positive(v, Long.MAX_VALUE))
                .ifPresent(v -> etcdFlags.put("snapshot-catch-up-entries", String.valueOf(v)));
        line.value(Flag.EXPERIMENTAL_MAX_LEARNERS, v -> CommandLine.positive(v, Integer.MAX_VALUE))
                .ifPresent(v -> etcdFlags.put("max-learners", String.valueOf(v)));
        if (!consensus.equals(Flag.DEFAULT_CONSENSUS)) {
            for (Flag flag : List.of(Flag.WAL_DIR, Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES,
                    Flag.EXPERIMENTAL_MAX_LEARNERS)) {
                if (line.value(flag, Function.identity()).filter(v -> !v.isEmpty()).isPresent()) {
                    warnings.add(flag.display() + " is ignored: it configures the raft consensus, not " + consensus);
                }
            }
            return given;
        }
        Map<String, String> options = new LinkedHashMap<>(etcdFlags);
        options.putAll(given.asMap());
        return PluginOptions.of(options);
    }

    /** etcd's {@code --max-snapshots} and {@code --max-wals} default. */
    private static final long ETCD_DEFAULT_MAX_FILES = 5;
}
