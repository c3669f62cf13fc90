package io.kvorum.launcher;

import io.kvorum.server.ServerConfig;
import io.kvorum.spi.plugin.PluginOptions;
import io.kvorum.server.MetricsSettings;
import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.tls.TlsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads etcd-style flags and {@code ETCD_*} variables into a {@link Command}.
 *
 * <p>The syntax is that of Go's flag package, which etcd uses: {@code --flag value},
 * {@code --flag=value}, with one dash or two; a switch is on when given alone or as
 * {@code --flag=true}; {@code --} ends the flags. A flag given twice counts once, the last time,
 * unless it is repeatable. A flag on the command line wins over its variable, and an empty
 * variable counts as unset, as in etcd.
 *
 * <p>Parser functions report a bad value by throwing {@link IllegalArgumentException} with the
 * reason; {@link #parse(Setting, Function)} turns that into a message naming the flag.
 */
final class CommandLine {

    /** One value and where it came from ({@code flag --name} or {@code ETCD_NAME}), for messages. */
    private record Setting(String value, String source) {
    }

    /** The one word that is not a flag: {@code kvorum plugins}. */
    static final String PLUGINS_COMMAND = "plugins";

    private final Map<Flag, List<Setting>> settings;
    /** Whether the settings come from {@code --config-file}, where etcd's defaults differ a little. */
    private final boolean fromConfigFile;

    private CommandLine(Map<Flag, List<Setting>> settings) {
        this(settings, false);
    }

    private CommandLine(Map<Flag, List<Setting>> settings, boolean fromConfigFile) {
        this.settings = settings;
        this.fromConfigFile = fromConfigFile;
    }

    /**
     * @param args        the command line, without the program name
     * @param environment the process environment
     * @throws UsageException for an unknown flag, a bad value or an inconsistent configuration
     */
    static Command parse(List<String> args, Map<String, String> environment) throws UsageException {
        if (!args.isEmpty() && args.get(0).equals(PLUGINS_COMMAND)) {
            return listPlugins(args.subList(1, args.size()), environment);
        }
        if (!args.isEmpty() && args.get(0).equals(SnapshotCommand.WORD)) {
            return SnapshotCommand.parse(args.subList(1, args.size()));
        }
        if (!args.isEmpty() && args.get(0).equals(SnapshotCommand.MIGRATE)) {
            return SnapshotCommand.parseMigrate(args.subList(1, args.size()));
        }
        CommandLine line = new CommandLine(readArguments(args));
        // Like etcd, help and version are answered before the rest of the configuration is checked.
        if (line.switchedOn(Flag.HELP)) {
            line.addEnvironment(Map.of(Flag.PLUGIN_DIR.variable(), environment.getOrDefault(Flag.PLUGIN_DIR.variable(), "")));
            return new Command.ShowHelp(line.pluginDirs());
        }
        if (line.switchedOn(Flag.VERSION)) {
            return new Command.ShowVersion();
        }
        Optional<Path> configFile = line.value(Flag.CONFIG_FILE, Function.identity())
                .or(() -> Optional.ofNullable(environment.get(Flag.CONFIG_FILE.variable())))
                .filter(v -> !v.isEmpty()).map(Path::of);
        if (configFile.isPresent()) {
            // etcd: the file's settings only; other flags and every variable are ignored
            CommandLine fromFile = CommandLine.fromConfigFile(configFile.get());
            List<String> warnings = new ArrayList<>();
            if (ProxyFlags.startsProxy(fromFile)) {
                return fromFile.proxy(warnings, fromFile.logFlags(warnings));
            }
            ServerConfig config = fromFile.serverConfig(warnings);
            return new Command.Serve(config, fromFile.logLevel(), warnings, fromFile.pluginDirs(),
                    List.of("loaded server configuration, other configuration command line flags and environment"
                            + " variables will be ignored if provided {\"path\": \"" + configFile.get() + "\"}"),
                    fromFile.switchedOn(Flag.ENABLE_PPROF), fromFile.logFlags(warnings), new EtcdFlags(fromFile).discovery(),
                    ProxyFlags.config(fromFile));
        }
        List<String> warnings = line.addEnvironment(environment);
        LogFlags logging = line.logFlags(warnings);
        if (ProxyFlags.startsProxy(line)) {
            return line.proxy(warnings, logging);
        }
        return new Command.Serve(line.serverConfig(warnings), line.logLevel(), warnings, line.pluginDirs(), List.of(),
                line.switchedOn(Flag.ENABLE_PPROF), logging, new EtcdFlags(line).discovery(), ProxyFlags.config(line));
    }

    /** A v2 proxy's start: the proxy's flags; a member's flags have no meaning there. */
    Command.Proxy proxy(List<String> warnings, LogFlags logging) throws UsageException {
        return new Command.Proxy(ProxyFlags.config(this), value(Flag.CONSENSUS, CommandLine::nonEmpty)
                .orElse(Flag.DEFAULT_CONSENSUS), logLevel(), warnings, pluginDirs(), logging, new EtcdFlags(this).discovery());
    }

    private static CommandLine fromConfigFile(Path file) throws UsageException {
        Map<Flag, List<Setting>> settings = new EnumMap<>(Flag.class);
        ConfigFile.read(file).forEach((flag, value) -> settings.put(flag,
                List.of(new Setting(value.text(), "config file key \"" + value.key() + "\""))));
        return new CommandLine(settings, true);
    }

    /** {@code kvorum plugins}: takes {@code --plugin-dir} (and its variable) only; other variables are not its business. */
    private static Command listPlugins(List<String> args, Map<String, String> environment) throws UsageException {
        CommandLine line = new CommandLine(readArguments(args));
        for (Flag flag : line.settings.keySet()) {
            if (flag != Flag.PLUGIN_DIR) {
                throw new UsageException("kvorum " + PLUGINS_COMMAND + " takes no flag but " + Flag.PLUGIN_DIR.display()
                        + ", not " + flag.display());
            }
        }
        line.addEnvironment(Map.of(Flag.PLUGIN_DIR.variable(), environment.getOrDefault(Flag.PLUGIN_DIR.variable(), "")));
        return new Command.ListPlugins(line.pluginDirs());
    }

    private static Map<Flag, List<Setting>> readArguments(List<String> args) throws UsageException {
        Map<Flag, List<Setting>> given = new EnumMap<>(Flag.class);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                if (i + 1 < args.size()) {
                    throw unexpectedArgument(args.get(i + 1));
                }
                break;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                throw unexpectedArgument(arg);
            }
            String body = arg.substring(arg.startsWith("--") ? 2 : 1);
            if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
                throw new UsageException("bad flag syntax: " + arg);
            }
            int equals = body.indexOf('=');
            String name = equals < 0 ? body : body.substring(0, equals);
            Flag flag = Flag.named(name).orElseThrow(() -> new UsageException("unknown flag --" + name));
            String value;
            if (equals >= 0) {
                value = body.substring(equals + 1);
            } else if (flag.kind() == Flag.Kind.SWITCH) {
                value = "true";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("flag needs an argument: " + flag.display());
            }
            given.computeIfAbsent(flag, f -> new ArrayList<>()).add(new Setting(value, "flag " + flag.display()));
        }
        return given;
    }

    private static UsageException unexpectedArgument(String arg) {
        return new UsageException("unexpected argument \"" + arg + "\": kvorum takes only flags, or \"" + PLUGINS_COMMAND
                + "\" before them");
    }

    /** Takes the variables of flags not given on the command line; returns what to warn about. */
    private List<String> addEnvironment(Map<String, String> environment) {
        List<String> warnings = new ArrayList<>();
        // Sorted, so that warnings come out in the same order every time.
        new TreeMap<>(environment).forEach((variable, value) -> {
            if (!Flag.looksLikeFlagVariable(variable)) {
                return;
            }
            Optional<Flag> flag = Flag.forVariable(variable);
            if (flag.isEmpty()) {
                warnings.add("unrecognized environment variable " + variable);
            } else if (value.isEmpty()) {
                return;
            } else if (settings.containsKey(flag.get())) {
                warnings.add("environment variable " + variable + " is ignored: "
                        + flag.get().display() + " is given on the command line");
            } else {
                settings.put(flag.get(), List.of(new Setting(value, variable)));
            }
        });
        return warnings;
    }

    private ServerConfig serverConfig(List<String> warnings) throws UsageException {
        ServerConfig.Builder config = ServerConfig.builder();
        String name = value(Flag.NAME, CommandLine::nonEmpty).orElse(ServerConfig.DEFAULT_NAME);
        config.name(name);
        value(Flag.DATA_DIR, v -> Path.of(nonEmpty(v))).ifPresent(config::dataDir);

        Optional<List<URI>> listenClientUrls = value(Flag.LISTEN_CLIENT_URLS, CommandLine::urls);
        Optional<List<URI>> advertiseClientUrls = value(Flag.ADVERTISE_CLIENT_URLS, CommandLine::urls);
        // etcd's rule: advertising the default localhost URL for an explicit listener misleads clients.
        // (A config file keeps etcd's default advertise URL instead.)
        if (listenClientUrls.isPresent() && advertiseClientUrls.isEmpty() && !fromConfigFile) {
            throw new UsageException(Flag.ADVERTISE_CLIENT_URLS.display() + " is required when "
                    + Flag.LISTEN_CLIENT_URLS.display() + " is set explicitly");
        }
        listenClientUrls.ifPresent(config::listenClientUrls);
        advertiseClientUrls.ifPresent(config::advertiseClientUrls);
        value(Flag.LISTEN_PEER_URLS, CommandLine::urls).ifPresent(config::listenPeerUrls);
        value(Flag.INITIAL_ADVERTISE_PEER_URLS, CommandLine::urls).ifPresent(config::initialAdvertisePeerUrls);

        // Unset, the builder derives it as name=initial-advertise-peer-urls, which names this member.
        Optional<Map<String, List<URI>>> initialCluster = value(Flag.INITIAL_CLUSTER, CommandLine::initialCluster);
        if (initialCluster.isPresent() && !initialCluster.get().containsKey(name)) {
            throw new UsageException("couldn't find local name \"" + name + "\" in the initial cluster configuration");
        }
        initialCluster.ifPresent(config::initialCluster);
        value(Flag.INITIAL_CLUSTER_TOKEN, Function.identity()).ifPresent(config::initialClusterToken);
        value(Flag.INITIAL_CLUSTER_STATE, CommandLine::joinsExistingCluster).ifPresent(config::initialClusterExisting);

        value(Flag.MAX_REQUEST_BYTES, v -> positive(v, Long.MAX_VALUE)).ifPresent(config::maxRequestBytes);
        value(Flag.MAX_TXN_OPS, v -> (int) positive(v, Integer.MAX_VALUE)).ifPresent(config::maxTxnOps);
        value(Flag.HEARTBEAT_INTERVAL, v -> Duration.ofMillis(positive(v, Integer.MAX_VALUE)))
                .ifPresent(config::heartbeatInterval);
        value(Flag.ELECTION_TIMEOUT, v -> Duration.ofMillis(positive(v, Integer.MAX_VALUE)))
                .ifPresent(config::electionTimeout);
        value(Flag.SNAPSHOT_COUNT, v -> positive(v, Long.MAX_VALUE)).ifPresent(config::snapshotCount);
        value(Flag.STRICT_RECONFIG_CHECK, CommandLine::bool).ifPresent(config::strictReconfigCheck);
        value(Flag.ENABLE_GRPC_GATEWAY, CommandLine::bool).ifPresent(config::enableGrpcGateway);
        value(Flag.CORS, CommandLine::origins).ifPresent(config::cors);
        value(Flag.PRE_VOTE, CommandLine::bool).ifPresent(config::preVote);
        value(Flag.INITIAL_ELECTION_TICK_ADVANCE, CommandLine::bool).ifPresent(config::initialElectionTickAdvance);
        value(Flag.EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL, GoDuration::parse)
                .ifPresent(config::watchProgressNotifyInterval);
        value(Flag.EXPERIMENTAL_INITIAL_CORRUPT_CHECK, CommandLine::bool).ifPresent(config::initialCorruptCheck);
        value(Flag.EXPERIMENTAL_CORRUPT_CHECK_TIME, GoDuration::parse).ifPresent(config::corruptCheckTime);
        value(Flag.QUOTA_BACKEND_BYTES, CommandLine::integer).ifPresent(config::quotaBackendBytes);
        value(Flag.AUTO_COMPACTION_MODE, Function.identity()).ifPresent(config::autoCompactionMode);
        value(Flag.AUTO_COMPACTION_RETENTION, Function.identity()).ifPresent(config::autoCompactionRetention);
        value(Flag.FORCE_NEW_CLUSTER, CommandLine::bool).ifPresent(config::forceNewCluster);
        value(Flag.EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT, CommandLine::bool).ifPresent(config::leaseCheckpoint);
        value(Flag.EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT_PERSIST, CommandLine::bool)
                .ifPresent(config::leaseCheckpointPersist);
        value(Flag.LEASE_CHECKPOINT_INTERVAL, GoDuration::parse).ifPresent(config::leaseCheckpointInterval);

        value(Flag.AUTH_TOKEN, CommandLine::nonEmpty).ifPresent(config::authToken);
        value(Flag.AUTH_TOKEN_TTL, v -> Duration.ofSeconds(positive(v, Integer.MAX_VALUE))).ifPresent(config::authTokenTtl);
        value(Flag.BCRYPT_COST, v -> (int) positive(v, Integer.MAX_VALUE)).ifPresent(config::bcryptCost);

        value(Flag.BACKEND, CommandLine::nonEmpty).ifPresent(config::backend);
        config.backendOptions(options(Flag.BACKEND_OPT));
        // The launcher's default is raft; an embedded server without the raft module defaults to standalone.
        String consensus = value(Flag.CONSENSUS, CommandLine::nonEmpty).orElse(Flag.DEFAULT_CONSENSUS);
        config.consensus(consensus);
        config.consensusOptions(new EtcdFlags(this).consensusOptions(consensus, warnings));

        int validity = value(Flag.SELF_SIGNED_CERT_VALIDITY, v -> (int) positive(v, 1000))
                .orElse(TlsSettings.DEFAULT_SELF_SIGNED_CERT_VALIDITY_YEARS);
        List<String> cipherSuites = value(Flag.CIPHER_SUITES, GoTlsNames::cipherSuites).orElse(List.of());
        String minVersion = value(Flag.TLS_MIN_VERSION, GoTlsNames::version).orElse("TLSv1.2");
        String maxVersion = value(Flag.TLS_MAX_VERSION, v -> v.isEmpty() ? "TLSv1.3" : GoTlsNames.version(v))
                .orElse("TLSv1.3");
        List<String> protocols;
        try {
            protocols = GoTlsNames.protocols(minVersion, maxVersion);
        } catch (IllegalArgumentException e) {
            throw new UsageException(Flag.TLS_MIN_VERSION.display() + ", " + Flag.TLS_MAX_VERSION.display() + ": "
                    + e.getMessage());
        }
        // etcd 3.5: TLS 1.3's suites are fixed.
        if (!cipherSuites.isEmpty() && protocols.equals(List.of("TLSv1.3"))) {
            throw new UsageException(Flag.CIPHER_SUITES.display() + ": cipher suites cannot be configured when only"
                    + " TLS1.3 is enabled");
        }
        config.clientTls(new TlsSettings(
                file(Flag.CERT_FILE), file(Flag.KEY_FILE),
                file(Flag.TRUSTED_CA_FILE), switchedOn(Flag.CLIENT_CERT_AUTH),
                file(Flag.CLIENT_CRL_FILE), switchedOn(Flag.AUTO_TLS), validity, List.of(), List.of(),
                value(Flag.CLIENT_CERT_ALLOWED_HOSTNAME, CommandLine::optionalList).orElse(List.of()),
                cipherSuites, protocols));
        config.peerTls(new TlsSettings(
                file(Flag.PEER_CERT_FILE), file(Flag.PEER_KEY_FILE),
                file(Flag.PEER_TRUSTED_CA_FILE), switchedOn(Flag.PEER_CLIENT_CERT_AUTH),
                file(Flag.PEER_CRL_FILE), switchedOn(Flag.PEER_AUTO_TLS), validity, List.of(),
                value(Flag.PEER_CERT_ALLOWED_CN, CommandLine::optionalList).orElse(List.of()),
                value(Flag.PEER_CERT_ALLOWED_HOSTNAME, CommandLine::optionalList).orElse(List.of()),
                cipherSuites, protocols));
        value(Flag.TLS, CommandLine::nonEmpty).ifPresent(config::tls);
        config.tlsOptions(options(Flag.TLS_OPT));
        config.metrics(new MetricsSettings(
                value(Flag.METRICS_EXPORTER, CommandLine::exporters).orElse(List.of(Flag.DEFAULT_METRICS_EXPORTER)),
                options(Flag.METRICS_EXPORTER_OPT),
                value(Flag.METRICS, MetricsLevel::parse).orElse(MetricsLevel.BASIC),
                value(Flag.LISTEN_METRICS_URLS, v -> v.isEmpty() ? List.<URI>of() : urls(v)).orElse(List.of())));
        new EtcdFlags(this).configure(config, warnings);
        try {
            return config.build();
        } catch (IllegalArgumentException e) {
            // a value the flag's parser took but the configuration as a whole refuses (and the checks across
            // flags, and of --auth-token's form); the message names the flag
            throw new UsageException(e.getMessage());
        }
    }

    /** A file flag's path; an empty value (etcd's default) means none. */
    private Optional<Path> file(Flag flag) throws UsageException {
        return value(flag, Function.identity()).filter(v -> !v.isEmpty()).map(Path::of);
    }

    private LogLevel logLevel() throws UsageException {
        Optional<LogLevel> level = value(Flag.LOG_LEVEL, v -> LogLevel.parse(v).orElseThrow(() ->
                new IllegalArgumentException("must be one of " + LogLevel.names())));
        // etcd 3.4's deprecated --debug: debug logging, unless a level is given
        if (level.isEmpty() && switchedOn(Flag.DEBUG)) {
            return LogLevel.DEBUG;
        }
        return level.orElse(LogLevel.INFO);
    }

    /** The logging flags, checked together with etcd's messages; etcd's deprecation warnings go to {@code warnings}. */
    private LogFlags logFlags(List<String> warnings) throws UsageException {
        var logger = value(Flag.LOGGER, LogFlags::parseLogger).orElse(LogFlags.DEFAULT.logger());
        var format = value(Flag.LOG_FORMAT, LogFlags::parseFormat).orElse(LogFlags.DEFAULT.format());
        List<String> outputs = value(Flag.LOG_OUTPUTS, v -> v.isEmpty() ? List.<String>of() : List.of(v.split(",", -1)))
                .orElse(List.of());
        String packageLevels = value(Flag.LOG_PACKAGE_LEVELS, Function.identity()).orElse("");
        try {
            return LogFlags.of(logger, format, outputs, packageLevels, warnings);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    boolean switchedOn(Flag flag) throws UsageException {
        return value(flag, CommandLine::bool).orElse(false);
    }

    /** The flag's value (the last one given), converted by {@code parser}. */
    <T> Optional<T> value(Flag flag, Function<String, T> parser) throws UsageException {
        List<Setting> given = settings.getOrDefault(flag, List.of());
        return given.isEmpty() ? Optional.empty() : Optional.of(parse(given.get(given.size() - 1), parser));
    }

    /** Every {@code key=value} given to a repeatable option flag; a key given again replaces the earlier value. */
    PluginOptions options(Flag flag) throws UsageException {
        Map<String, String> options = new LinkedHashMap<>();
        for (Setting setting : settings.getOrDefault(flag, List.of())) {
            try {
                options.putAll(keyValues(setting.value()));
            } catch (IllegalArgumentException e) {
                // Not the whole value: the other pairs in it may hold a password.
                throw new UsageException("invalid value for " + setting.source() + ": " + e.getMessage());
            }
        }
        return PluginOptions.of(options);
    }

    /** Every folder given to {@code --plugin-dir}, in order, each once. */
    private List<Path> pluginDirs() throws UsageException {
        List<Path> dirs = new ArrayList<>();
        for (Setting setting : settings.getOrDefault(Flag.PLUGIN_DIR, List.of())) {
            for (Path dir : parse(setting, CommandLine::paths)) {
                if (!dirs.contains(dir)) {
                    dirs.add(dir);
                }
            }
        }
        return dirs;
    }

    private static <T> T parse(Setting setting, Function<String, T> parser) throws UsageException {
        try {
            return parser.apply(setting.value());
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value \"" + setting.value() + "\" for " + setting.source()
                    + ": " + e.getMessage());
        }
    }

    // Parsers. Each throws IllegalArgumentException with the reason a value is refused.

    private static String nonEmpty(String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return value;
    }


    /** One value, or none when empty (etcd's allowed CN and host name). */
    private static List<String> optionalList(String value) {
        return value.isEmpty() ? List.of() : List.of(value);
    }

    /** Go's strconv.ParseBool, which etcd's boolean flags use. */
    static boolean bool(String value) {
        return switch (value) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    /** Any 64-bit integer, as Go's Int64Var reads it. */
    static long integer(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer", e);
        }
    }

    static long positive(String value, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer", e);
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException("must be between 1 and " + max);
        }
        return n;
    }

    private static boolean joinsExistingCluster(String value) {
        return switch (value) {
            case "new" -> false;
            case "existing" -> true;
            default -> throw new IllegalArgumentException("must be \"new\" or \"existing\"");
        };
    }

    /** {@code --cors}: {@code *}, or origins given as etcd takes them, URLs with a port (empty: any origin). */
    private static Set<String> origins(String value) {
        Set<String> origins = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            String origin = part.trim();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.equals("*")) {
                url(origin);
            }
            origins.add(origin);
        }
        return origins;
    }

    /** {@code --metrics-exporter}: names, comma-separated, each once; empty: none. */
    private static List<String> exporters(String value) {
        List<String> names = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String name = part.trim();
            if (name.isEmpty() && value.isBlank()) {
                continue;
            }
            if (name.isEmpty() || names.contains(name)) {
                throw new IllegalArgumentException(name.isEmpty() ? "empty exporter name" : "\"" + name + "\" given twice");
            }
            names.add(name);
        }
        return names;
    }

    /** A comma-separated list of URLs. */
    static List<URI> urls(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("no URLs given");
        }
        List<URI> urls = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            urls.add(url(part.trim()));
        }
        return urls;
    }

    /** One URL, held to etcd's rules for listen and advertise URLs (TLS and unix sockets are not served yet). */
    private static URI url(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage(), e);
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("URL scheme must be http or https: " + text);
        }
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + text);
        }
        if (!url.getRawPath().isEmpty() || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("URL must not contain a path: " + text);
        }
        return url;
    }

    /** {@code name=url,name=url}; a name given twice has several peer URLs. */
    static Map<String, List<URI>> initialCluster(String value) {
        Map<String, List<URI>> members = new LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            String entry = part.trim();
            int equals = entry.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("expected name=url, got \"" + entry + "\"");
            }
            members.computeIfAbsent(entry.substring(0, equals), n -> new ArrayList<>())
                    .add(url(entry.substring(equals + 1).trim()));
        }
        return members;
    }

    /** A comma-separated list of folders. */
    private static List<Path> paths(String value) {
        List<Path> paths = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            paths.add(Path.of(nonEmpty(part.trim())));
        }
        return paths;
    }

    /**
     * {@code key=value,key=value}; values may be empty, keys may not. A message about a bad pair
     * shows it only when it holds no value, which may be secret.
     */
    private static Map<String, String> keyValues(String value) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            String entry = part.trim();
            int equals = entry.indexOf('=');
            if (equals == 0) {
                throw new IllegalArgumentException("expected key=value, got a value without a key");
            }
            if (equals < 0) {
                throw new IllegalArgumentException("expected key=value, got \"" + entry + "\"");
            }
            options.put(entry.substring(0, equals).trim(), entry.substring(equals + 1).trim());
        }
        return options;
    }
}
