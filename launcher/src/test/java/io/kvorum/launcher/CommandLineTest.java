package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.server.MetricsSettings;
import io.kvorum.launcher.log.LogSettings;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.tls.TlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static final Map<String, String> NO_VARIABLES = Map.of();

    private static Command.Serve serve(Map<String, String> environment, String... args) throws UsageException {
        return assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of(args), environment));
    }

    private static ServerConfig config(String... args) throws UsageException {
        return serve(NO_VARIABLES, args).config();
    }

    private static String usageError(Map<String, String> environment, String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(List.of(args), environment)).getMessage();
    }

    private static String usageError(String... args) {
        return usageError(NO_VARIABLES, args);
    }

    private static List<URI> urls(String... urls) {
        return Arrays.stream(urls).map(URI::create).toList();
    }

    @Nested
    class Defaults {

        @Test
        void withNoFlagsTheDefaultsAreEtcds() throws UsageException {
            Command.Serve serve = serve(NO_VARIABLES);
            ServerConfig config = serve.config();

            assertEquals("default", config.name());
            assertEquals(Path.of("default.kvorum"), config.dataDir());
            assertEquals(urls("http://localhost:2379"), config.listenClientUrls());
            assertEquals(urls("http://localhost:2379"), config.advertiseClientUrls());
            assertEquals(urls("http://localhost:2380"), config.listenPeerUrls());
            assertEquals(urls("http://localhost:2380"), config.initialAdvertisePeerUrls());
            assertEquals(Map.of("default", urls("http://localhost:2380")), config.initialCluster());
            assertEquals("etcd-cluster", config.initialClusterToken());
            assertFalse(config.initialClusterExisting());
            assertEquals(1_572_864L, config.maxRequestBytes());
            assertEquals(128, config.maxTxnOps());
            assertEquals(100_000, config.snapshotCount());
            assertTrue(config.preVote());
            assertTrue(config.strictReconfigCheck());
            assertTrue(config.initialElectionTickAdvance());
            assertEquals("rocksdb", config.backend());
            assertEquals(Map.of(), config.backendOptions().asMap());
            assertEquals("raft", config.consensus());
            assertEquals(Map.of("max-snapshots", "5", "max-wals", "5"), config.consensusOptions().asMap());
            assertEquals("simple", config.authToken());
            assertEquals(java.time.Duration.ofSeconds(300), config.authTokenTtl());
            assertEquals(10, config.bcryptCost());
            assertEquals(LogLevel.INFO, serve.logLevel());
            assertEquals(List.of(), serve.warnings());
        }

        @Test
        void authFlagsAreRead() throws UsageException {
            ServerConfig config = config("--auth-token", "jwt,pub-key=a.pub,priv-key=a.key,sign-method=RS256",
                    "--auth-token-ttl", "60", "--bcrypt-cost=12");

            assertEquals("jwt,pub-key=a.pub,priv-key=a.key,sign-method=RS256", config.authToken());
            assertEquals(java.time.Duration.ofSeconds(60), config.authTokenTtl());
            assertEquals(12, config.bcryptCost());
            assertTrue(usageError("--auth-token-ttl", "0").contains("auth-token-ttl"));
            assertEquals("--auth-token: auth: invalid auth options: invalid option \"bad\" in jwt,bad (expected key=value)",
                    usageError("--auth-token", "jwt,bad"));
        }

        @Test
        void raftFlagsAreRead() throws UsageException {
            ServerConfig config = config("--snapshot-count", "500", "--pre-vote=false", "--strict-reconfig-check=false");

            assertEquals(500, config.snapshotCount());
            assertFalse(config.preVote());
            assertFalse(config.strictReconfigCheck());
            assertTrue(usageError("--snapshot-count", "0").contains("snapshot-count"));
        }

        @Test
        void leaseCheckpointAndForceNewClusterFlagsAreRead() throws UsageException {
            ServerConfig defaults = config();
            assertFalse(defaults.forceNewCluster());
            assertFalse(defaults.leaseCheckpoint());
            assertFalse(defaults.leaseCheckpointPersist());
            assertEquals(java.time.Duration.ofMinutes(5), defaults.leaseCheckpointInterval());

            ServerConfig config = config("--force-new-cluster", "--experimental-enable-lease-checkpoint",
                    "--experimental-enable-lease-checkpoint-persist=true", "--lease-checkpoint-interval", "2s");
            assertTrue(config.forceNewCluster());
            assertTrue(config.leaseCheckpoint());
            assertTrue(config.leaseCheckpointPersist());
            assertEquals(java.time.Duration.ofSeconds(2), config.leaseCheckpointInterval());
            assertTrue(serve(Map.of("ETCD_FORCE_NEW_CLUSTER", "true", "ETCD_EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT",
                    "true")).config().leaseCheckpoint());

            assertTrue(usageError("--experimental-enable-lease-checkpoint-persist").contains(
                    "setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint"));
            assertTrue(usageError("--lease-checkpoint-interval", "0s").contains("--lease-checkpoint-interval"));
            assertTrue(usageError("--lease-checkpoint-interval", "5").contains("lease-checkpoint-interval"));
        }

        @Test
        void hostWhitelistIsSplitAtCommasAsEtcdSplitsIt() throws UsageException {
            assertEquals(Set.of("*"), config().hostWhitelist());
            assertEquals(Set.of("localhost", "127.0.0.1"), config("--host-whitelist", "localhost,127.0.0.1").hostWhitelist());
            assertEquals(Set.of("a", ""), config("--host-whitelist=a,,a").hostWhitelist());
            assertEquals(Set.of(""), config("--host-whitelist=").hostWhitelist());
        }

        @Test
        void corsAllowsEveryOriginUnlessGivenOrigins() throws UsageException {
            assertEquals(Set.of("*"), config().cors());
            assertEquals(Set.of("http://a.example:8080", "https://b.example:443"),
                    config("--cors", "http://a.example:8080,https://b.example:443").cors());
            assertEquals(Set.of(), config("--cors", "").cors());
            assertTrue(usageError("--cors", "a.example").contains("cors"));
        }

        @Test
        void theGrpcGatewayIsOnUnlessTurnedOff() throws UsageException {
            assertTrue(config().enableGrpcGateway());
            assertFalse(config("--enable-grpc-gateway=false").enableGrpcGateway());
            assertFalse(serve(Map.of("ETCD_ENABLE_GRPC_GATEWAY", "false")).config().enableGrpcGateway());
        }

        @Test
        void metricsFlagsAreRead() throws UsageException {
            MetricsSettings defaults = config().metrics();
            assertEquals(List.of("prometheus"), defaults.exporters());
            assertEquals(MetricsLevel.BASIC, defaults.level());
            assertEquals(List.of(), defaults.listenMetricsUrls());
            MetricsSettings given = config("--metrics", "extensive", "--metrics-exporter", "prometheus,log",
                    "--metrics-exporter-opt", "log-interval-seconds=5",
                    "--listen-metrics-urls", "http://127.0.0.1:0,https://127.0.0.1:9000", "--auto-tls").metrics();
            assertEquals(MetricsLevel.EXTENSIVE, given.level());
            assertEquals(List.of("prometheus", "log"), given.exporters());
            assertEquals(Optional.of("5"), given.exporterOptions().get("log-interval-seconds"));
            assertEquals(List.of(URI.create("http://127.0.0.1:0"), URI.create("https://127.0.0.1:9000")),
                    given.listenMetricsUrls());
            assertEquals(List.of(), config("--metrics-exporter", "").metrics().exporters());
            assertEquals(MetricsLevel.EXTENSIVE, serve(Map.of("ETCD_METRICS", "extensive")).config().metrics().level());
        }

        @Test
        void badMetricsFlagsAreUsageErrors() {
            assertTrue(usageError("--metrics", "all").contains("--metrics"), usageError("--metrics", "all"));
            assertTrue(usageError("--metrics-exporter", "log,log").contains("given twice"));
            assertTrue(usageError("--listen-metrics-urls", "unix://x:1").contains("--listen-metrics-urls"));
        }

        @Test
        void initialElectionTickAdvanceIsOnUnlessTurnedOffAsEtcdSpellsIt() throws UsageException {
            assertTrue(config("--initial-election-tick-advance").initialElectionTickAdvance());
            assertTrue(config("--initial-election-tick-advance=true").initialElectionTickAdvance());
            assertFalse(config("--initial-election-tick-advance=false").initialElectionTickAdvance());
            assertFalse(config("-initial-election-tick-advance=0").initialElectionTickAdvance());
            assertFalse(serve(Map.of("ETCD_INITIAL_ELECTION_TICK_ADVANCE", "false")).config().initialElectionTickAdvance());
            assertTrue(serve(Map.of("ETCD_INITIAL_ELECTION_TICK_ADVANCE", "false"), "--initial-election-tick-advance=true")
                    .config().initialElectionTickAdvance());
            // a switch takes no separate value: etcd refuses "'false' is not a valid flag"
            assertTrue(usageError("--initial-election-tick-advance", "false").contains("unexpected argument \"false\""));
            assertTrue(usageError("--initial-election-tick-advance=maybe").contains("initial-election-tick-advance"));
        }

        @Test
        void theDataDirectoryIsNamedAfterTheMember() throws UsageException {
            assertEquals(Path.of("infra1.kvorum"), config("--name", "infra1").dataDir());
        }

        @Test
        void theInitialClusterIsThisMemberAtItsAdvertisedPeerUrls() throws UsageException {
            ServerConfig config = config("--name", "infra1",
                    "--initial-advertise-peer-urls", "http://10.0.0.1:2380,http://10.0.0.2:2380");

            assertEquals(Map.of("infra1", urls("http://10.0.0.1:2380", "http://10.0.0.2:2380")),
                    config.initialCluster());
        }
    }

    @Nested
    class FlagForms {

        @Test
        void aValueMayFollowTheFlagOrAnEqualsSignWithOneDashOrTwo() throws UsageException {
            for (List<String> args : List.of(
                    List.of("--name", "infra1"), List.of("--name=infra1"),
                    List.of("-name", "infra1"), List.of("-name=infra1"))) {
                Command.Serve serve = assertInstanceOf(Command.Serve.class, CommandLine.parse(args, NO_VARIABLES));
                assertEquals("infra1", serve.config().name(), args.toString());
            }
        }

        @Test
        void aValueMayContainEqualsSigns() throws UsageException {
            assertEquals(Map.of("infra1", urls("http://a:2380")),
                    config("--name=infra1", "--initial-cluster=infra1=http://a:2380").initialCluster());
        }

        @Test
        void aFlagGivenTwiceTakesTheLastValue() throws UsageException {
            assertEquals(64, config("--max-txn-ops", "32", "--max-txn-ops=64").maxTxnOps());
        }

        @Test
        void aSwitchIsOnAloneOrWithTrue() throws UsageException {
            for (String arg : List.of("--version", "-version", "--version=true", "--version=1", "-version=T")) {
                assertInstanceOf(Command.ShowVersion.class, CommandLine.parse(List.of(arg), NO_VARIABLES), arg);
            }
            assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of("--version=false"), NO_VARIABLES));
        }

        @Test
        void helpHasShortAndLongForms() throws UsageException {
            for (String arg : List.of("-h", "--h", "-help", "--help")) {
                assertInstanceOf(Command.ShowHelp.class, CommandLine.parse(List.of(arg), NO_VARIABLES), arg);
            }
        }

        @Test
        void helpAndVersionAreAnsweredBeforeValuesAreChecked() throws UsageException {
            assertInstanceOf(Command.ShowVersion.class,
                    CommandLine.parse(List.of("--max-txn-ops", "many", "--version"), NO_VARIABLES));
        }

        @Test
        void aDoubleDashEndsTheFlags() throws UsageException {
            assertEquals("infra1", config("--name", "infra1", "--").name());
        }

        @Test
        void aValueIsTakenAsGivenEvenIfItStartsWithADash() throws UsageException {
            assertEquals("-x", config("--name", "-x").name());
        }
    }

    @Nested
    class UsageErrors {

        @Test
        void anUnknownFlagIsNamed() {
            assertEquals("unknown flag --foo", usageError("--foo"));
            assertEquals("unknown flag --foo", usageError("-foo=bar"));
        }

        @Test
        void aFlagWithoutItsValueIsNamed() {
            assertEquals("flag needs an argument: --name", usageError("--name"));
        }

        @Test
        void argumentsThatAreNotFlagsAreRefused() {
            assertEquals("unexpected argument \"serve\": kvorum takes only flags, or \"plugins\" before them", usageError("serve"));
            assertEquals("unexpected argument \"x\": kvorum takes only flags, or \"plugins\" before them", usageError("--", "x"));
        }

        @Test
        void threeDashesAreBadSyntax() {
            assertEquals("bad flag syntax: ---name", usageError("---name", "x"));
        }

        @Test
        void aBadNumberNamesTheFlag() {
            assertEquals("invalid value \"x\" for flag --max-txn-ops: not an integer",
                    usageError("--max-txn-ops", "x"));
            assertEquals("invalid value \"0\" for flag --max-txn-ops: must be between 1 and 2147483647",
                    usageError("--max-txn-ops=0"));
            assertEquals("invalid value \"-1\" for flag --max-request-bytes: must be between 1 and 9223372036854775807",
                    usageError("--max-request-bytes", "-1"));
        }

        @Test
        void aBadSwitchValueNamesTheFlag() {
            assertEquals("invalid value \"maybe\" for flag --version: must be true or false",
                    usageError("--version=maybe"));
        }

        @Test
        void anUnknownLogLevelListsTheLevels() {
            assertEquals("invalid value \"verbose\" for flag --log-level: "
                    + "must be one of debug, info, warn, error, panic, fatal", usageError("--log-level", "verbose"));
        }

        @Test
        void theClusterStateIsNewOrExisting() throws UsageException {
            assertTrue(config("--initial-cluster-state", "existing").initialClusterExisting());
            assertFalse(config("--initial-cluster-state", "new").initialClusterExisting());
            assertEquals("invalid value \"old\" for flag --initial-cluster-state: must be \"new\" or \"existing\"",
                    usageError("--initial-cluster-state", "old"));
        }

        @Test
        void namesMustNotBeEmpty() {
            assertEquals("invalid value \"\" for flag --name: must not be empty", usageError("--name="));
            assertEquals("invalid value \"\" for flag --backend: must not be empty", usageError("--backend", ""));
        }
    }

    @Nested
    class Urls {

        @Test
        void listsAreCommaSeparatedAndKeepTheirOrder() throws UsageException {
            ServerConfig config = config(
                    "--listen-client-urls", "http://127.0.0.1:2379, https://10.0.0.1:0",
                    "--advertise-client-urls", "http://10.0.0.1:2379", "--auto-tls");

            assertEquals(urls("http://127.0.0.1:2379", "https://10.0.0.1:0"), config.listenClientUrls());
            assertEquals(urls("http://10.0.0.1:2379"), config.advertiseClientUrls());
        }

        @Test
        void peerUrlsAreRead() throws UsageException {
            ServerConfig config = config("--listen-peer-urls", "http://[::1]:2380",
                    "--initial-advertise-peer-urls", "http://[::1]:2380");

            assertEquals(urls("http://[::1]:2380"), config.listenPeerUrls());
            assertEquals(urls("http://[::1]:2380"), config.initialAdvertisePeerUrls());
        }

        @Test
        void onlyHttpAndHttpsAreServed() {
            assertEquals("invalid value \"unix://kvorum.sock\" for flag --listen-peer-urls: "
                            + "URL scheme must be http or https: unix://kvorum.sock",
                    usageError("--listen-peer-urls", "unix://kvorum.sock"));
            assertEquals("invalid value \"http://a:1,ftp://b:2\" for flag --advertise-client-urls: "
                            + "URL scheme must be http or https: ftp://b:2",
                    usageError("--advertise-client-urls", "http://a:1,ftp://b:2"));
        }

        @Test
        void aUrlNeedsHostAndPortAndNoPath() {
            assertEquals("invalid value \"http://localhost\" for flag --initial-advertise-peer-urls: "
                            + "URL address does not have the form \"host:port\": http://localhost",
                    usageError("--initial-advertise-peer-urls", "http://localhost"));
            assertEquals("invalid value \"http://localhost:2380/raft\" for flag --listen-peer-urls: "
                            + "URL must not contain a path: http://localhost:2380/raft",
                    usageError("--listen-peer-urls", "http://localhost:2380/raft"));
            assertTrue(usageError("--listen-peer-urls", "http://local host:2380")
                    .startsWith("invalid value \"http://local host:2380\" for flag --listen-peer-urls: not a URL"));
            assertEquals("invalid value \"\" for flag --listen-peer-urls: no URLs given",
                    usageError("--listen-peer-urls="));
        }

        @Test
        void listeningForClientsExplicitlyRequiresAdvertisingToo() {
            assertEquals("--advertise-client-urls is required when --listen-client-urls is set explicitly",
                    usageError("--listen-client-urls", "http://127.0.0.1:0"));
            assertEquals("--advertise-client-urls is required when --listen-client-urls is set explicitly",
                    usageError(Map.of("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:0")));
        }
    }

    @Nested
    class InitialCluster {

        @Test
        void membersMayHaveSeveralPeerUrls() throws UsageException {
            ServerConfig config = config("--name", "infra1", "--initial-cluster",
                    "infra1=http://a:2380,infra2=http://b:2380,infra1=http://c:2380");

            assertEquals(Map.of("infra1", urls("http://a:2380", "http://c:2380"), "infra2", urls("http://b:2380")),
                    config.initialCluster());
            assertEquals(List.of("infra1", "infra2"), List.copyOf(config.initialCluster().keySet()));
        }

        @Test
        void itMustNameThisMember() {
            assertEquals("couldn't find local name \"infra3\" in the initial cluster configuration",
                    usageError("--name", "infra3", "--initial-cluster", "infra1=http://a:2380,infra2=http://b:2380"));
            assertEquals("couldn't find local name \"default\" in the initial cluster configuration",
                    usageError("--initial-cluster", "infra1=http://a:2380"));
        }

        @Test
        void eachEntryIsNameEqualsUrl() {
            assertEquals("invalid value \"infra1=http://a:2380,http://b:2380\" for flag --initial-cluster: "
                            + "expected name=url, got \"http://b:2380\"",
                    usageError("--initial-cluster", "infra1=http://a:2380,http://b:2380"));
            assertEquals("invalid value \"default=a:2380\" for flag --initial-cluster: "
                            + "URL scheme must be http or https: a:2380",
                    usageError("--initial-cluster", "default=a:2380"));
        }

        @Test
        void tokenIsRead() throws UsageException {
            assertEquals("cluster-b", config("--initial-cluster-token", "cluster-b").initialClusterToken());
        }
    }

    @Nested
    class Environment {

        @Test
        void everyConfigurationFlagHasItsVariable() throws UsageException {
            Command.Serve serve = serve(Map.ofEntries(
                    Map.entry("ETCD_NAME", "infra1"),
                    Map.entry("ETCD_DATA_DIR", "/var/lib/kvorum"),
                    Map.entry("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:0"),
                    Map.entry("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:2379"),
                    Map.entry("ETCD_LISTEN_PEER_URLS", "http://127.0.0.1:2381"),
                    Map.entry("ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://127.0.0.1:2381"),
                    Map.entry("ETCD_INITIAL_CLUSTER", "infra1=http://127.0.0.1:2381"),
                    Map.entry("ETCD_INITIAL_CLUSTER_TOKEN", "t"),
                    Map.entry("ETCD_INITIAL_CLUSTER_STATE", "existing"),
                    Map.entry("ETCD_MAX_REQUEST_BYTES", "1024"),
                    Map.entry("ETCD_MAX_TXN_OPS", "16"),
                    Map.entry("ETCD_LOG_LEVEL", "warn"),
                    Map.entry("ETCD_BACKEND", "memory"),
                    Map.entry("ETCD_BACKEND_OPT", "cache-mb=64,sync=false"),
                    Map.entry("ETCD_CONSENSUS", "raft"),
                    Map.entry("ETCD_CONSENSUS_OPT", "tick-ms=100")));
            ServerConfig config = serve.config();

            assertEquals("infra1", config.name());
            assertEquals(Path.of("/var/lib/kvorum"), config.dataDir());
            assertEquals(urls("http://127.0.0.1:0"), config.listenClientUrls());
            assertEquals(urls("http://127.0.0.1:2379"), config.advertiseClientUrls());
            assertEquals(urls("http://127.0.0.1:2381"), config.listenPeerUrls());
            assertEquals(urls("http://127.0.0.1:2381"), config.initialAdvertisePeerUrls());
            assertEquals(Map.of("infra1", urls("http://127.0.0.1:2381")), config.initialCluster());
            assertEquals("t", config.initialClusterToken());
            assertTrue(config.initialClusterExisting());
            assertEquals(1024, config.maxRequestBytes());
            assertEquals(16, config.maxTxnOps());
            assertEquals(LogLevel.WARN, serve.logLevel());
            assertEquals("memory", config.backend());
            assertEquals(Map.of("cache-mb", "64", "sync", "false"), config.backendOptions().asMap());
            assertEquals("raft", config.consensus());
            // with etcd's --max-snapshots and --max-wals defaults, which raft takes as options
            assertEquals(Map.of("tick-ms", "100", "max-snapshots", "5", "max-wals", "5"),
                    config.consensusOptions().asMap());
            assertEquals(List.of(), serve.warnings());
        }

        @Test
        void theCommandLineWinsOverTheVariableWithAWarning() throws UsageException {
            Command.Serve serve = serve(Map.of("ETCD_NAME", "from-env", "ETCD_MAX_TXN_OPS", "16"),
                    "--name", "from-flag");

            assertEquals("from-flag", serve.config().name());
            assertEquals(16, serve.config().maxTxnOps());
            assertEquals(List.of("environment variable ETCD_NAME is ignored: --name is given on the command line"),
                    serve.warnings());
        }

        @Test
        void anEmptyVariableIsUnset() throws UsageException {
            assertEquals("default", serve(Map.of("ETCD_NAME", "")).config().name());
        }

        @Test
        void unknownEtcdVariablesAreOnlyWarnedAbout() throws UsageException {
            Command.Serve serve = serve(Map.of(
                    "ETCD_NO_SUCH_FLAG", "true", "ETCD_FOO", "", "ETCDCTL_API", "3", "PATH", "/bin"));

            assertEquals(List.of("unrecognized environment variable ETCD_FOO",
                    "unrecognized environment variable ETCD_NO_SUCH_FLAG"), serve.warnings());
        }

        @Test
        void helpAndVersionAreNotReadFromTheEnvironment() throws UsageException {
            Command.Serve serve = serve(Map.of("ETCD_VERSION", "3.5.17", "ETCD_HELP", "true"));

            assertEquals(List.of("unrecognized environment variable ETCD_HELP",
                    "unrecognized environment variable ETCD_VERSION"), serve.warnings());
        }

        @Test
        void aBadValueNamesTheVariable() {
            assertEquals("invalid value \"lots\" for ETCD_MAX_TXN_OPS: not an integer",
                    usageError(Map.of("ETCD_MAX_TXN_OPS", "lots")));
        }
    }

    @Nested
    class Plugins {

        @Test
        void backendAndConsensusAreChosenByName() throws UsageException {
            ServerConfig config = config("--backend", "sqlite", "--consensus=raft");

            assertEquals("sqlite", config.backend());
            assertEquals("raft", config.consensus());
        }

        @Test
        void optionFlagsRepeatAndTakeCommaSeparatedPairs() throws UsageException {
            ServerConfig config = config(
                    "--backend-opt", "cache-mb=64", "--backend-opt=sync=false,path=/a=b",
                    "--consensus-opt", "tick-ms=100");

            assertEquals(Map.of("cache-mb", "64", "sync", "false", "path", "/a=b"), config.backendOptions().asMap());
            // with etcd's --max-snapshots and --max-wals defaults, which raft takes as options
            assertEquals(Map.of("tick-ms", "100", "max-snapshots", "5", "max-wals", "5"),
                    config.consensusOptions().asMap());
        }

        @Test
        void aLaterOptionReplacesAnEarlierOneAndValuesMayBeEmpty() throws UsageException {
            ServerConfig config = config("--backend-opt", "cache-mb=64,label=", "--backend-opt", "cache-mb=128");

            assertEquals(Map.of("cache-mb", "128", "label", ""), config.backendOptions().asMap());
        }

        @Test
        void optionsOnTheCommandLineReplaceTheVariable() throws UsageException {
            Command.Serve serve = serve(Map.of("ETCD_BACKEND_OPT", "a=1,b=2"), "--backend-opt", "c=3");

            assertEquals(Map.of("c", "3"), serve.config().backendOptions().asMap());
            assertEquals(1, serve.warnings().size());
        }

        @Test
        void anOptionWithoutKeyIsRefused() {
            assertEquals("invalid value for flag --backend-opt: expected key=value, got \"cache-mb\"",
                    usageError("--backend-opt", "cache-mb"));
            assertEquals("invalid value for flag --consensus-opt: expected key=value, got a value without a key",
                    usageError("--consensus-opt", "=1"));
            assertEquals("invalid value for ETCD_BACKEND_OPT: expected key=value, got \"\"",
                    usageError(Map.of("ETCD_BACKEND_OPT", "a=1,,b=2")));
        }

        @Test
        void aRefusedOptionListDoesNotRepeatItsValuesWhichMayBeSecret() {
            String message = usageError("--backend-opt", "password=hunter2,cache-mb", "--consensus-opt", "=hunter3");
            assertTrue(message.contains("--backend-opt") && message.contains("\"cache-mb\""), message);
            assertFalse(message.contains("hunter2"), message);
            assertFalse(usageError("--consensus-opt", "=hunter3").contains("hunter3"));
        }
    }

    @Nested
    class PluginFolders {

        @Test
        void noFolderIsGivenByDefault() throws UsageException {
            assertEquals(List.of(), serve(NO_VARIABLES).pluginDirs());
        }

        @Test
        void foldersAreRepeatableAndCommaSeparatedInOrderEachOnce() throws UsageException {
            Command.Serve serve = serve(NO_VARIABLES, "--plugin-dir", "a, b", "--plugin-dir=c", "-plugin-dir", "a");
            assertEquals(List.of(Path.of("a"), Path.of("b"), Path.of("c")), serve.pluginDirs());
        }

        @Test
        void foldersComeFromTheirVariableUnlessGivenOnTheCommandLine() throws UsageException {
            assertEquals(List.of(Path.of("x"), Path.of("y")),
                    serve(Map.of("ETCD_PLUGIN_DIR", "x,y")).pluginDirs());
            assertEquals(List.of(Path.of("z")),
                    serve(Map.of("ETCD_PLUGIN_DIR", "x,y"), "--plugin-dir", "z").pluginDirs());
        }

        @Test
        void anEmptyFolderNameIsRefusedNamingTheFlag() {
            assertTrue(usageError("--plugin-dir", "a,,b").contains("flag --plugin-dir"));
        }

        @Test
        void pluginsListsWhatTheFoldersHold() throws UsageException {
            Command.ListPlugins list = assertInstanceOf(Command.ListPlugins.class, CommandLine.parse(
                    List.of("plugins", "--plugin-dir", "extra"), Map.of("ETCD_PLUGIN_DIR", "ignored", "ETCD_NAME", "n")));
            assertEquals(List.of(Path.of("extra")), list.pluginDirs());
            Command.ListPlugins fromVariable = assertInstanceOf(Command.ListPlugins.class,
                    CommandLine.parse(List.of("plugins"), Map.of("ETCD_PLUGIN_DIR", "env")));
            assertEquals(List.of(Path.of("env")), fromVariable.pluginDirs());
        }

        @Test
        void pluginsTakesNoOtherFlag() {
            assertEquals("kvorum plugins takes no flag but --plugin-dir, not --backend",
                    usageError("plugins", "--backend", "sqlite"));
        }

        @Test
        void helpListsThePluginsOfTheFoldersGiven() throws UsageException {
            Command.ShowHelp help = assertInstanceOf(Command.ShowHelp.class,
                    CommandLine.parse(List.of("--help"), Map.of("ETCD_PLUGIN_DIR", "p")));
            assertEquals(List.of(Path.of("p")), help.pluginDirs());
        }
    }

    @Nested
    class Logging {

        @Test
        void everyEtcdLevelIsAccepted() throws UsageException {
            for (LogLevel level : LogLevel.values()) {
                assertEquals(level, serve(NO_VARIABLES, "--log-level", level.flagValue()).logLevel());
            }
        }

        @Test
        void levelsAboveErrorStillLogErrors() {
            assertEquals(LogSettings.Level.DEBUG, LogLevel.DEBUG.zapLevel());
            assertEquals(LogSettings.Level.ERROR, LogLevel.PANIC.zapLevel());
            assertEquals(LogSettings.Level.ERROR, LogLevel.FATAL.zapLevel());
        }

        @Test
        void zapJsonOnStandardErrorByDefault() throws UsageException {
            assertEquals(LogFlags.DEFAULT, serve(NO_VARIABLES).logging());
            assertEquals(List.of("stderr"), serve(NO_VARIABLES, "--log-outputs", "default").logging().outputs());
        }

        @Test
        void outputsAreResolvedOnceEach() throws UsageException {
            LogFlags logging = serve(NO_VARIABLES, "--log-outputs", "stdout,/var/log/k.log,stderr,stdout").logging();
            assertEquals(List.of("stdout", "/var/log/k.log", "stderr"), logging.outputs());
            assertEquals(List.of("stderr"), serve(NO_VARIABLES, "--log-outputs", "systemd/journal").logging().outputs());
            assertEquals(List.of(), serve(NO_VARIABLES, "--log-outputs", "stderr,/dev/null").logging().outputs());
            assertEquals(List.of("stdout"),
                    serve(Map.of("ETCD_LOG_OUTPUTS", "stdout"), "--name", "n").logging().outputs());
        }

        @Test
        void formatAndLogger() throws UsageException {
            assertEquals(LogSettings.Format.CONSOLE, serve(NO_VARIABLES, "--log-format", "console").logging().format());
            Command.Serve capnslog = serve(NO_VARIABLES, "--logger", "capnslog", "--log-outputs", "stdout",
                    "--log-package-levels", "server=DEBUG,io.kvorum.launcher=WARNING");
            assertEquals(LogSettings.Logger.CAPNSLOG, capnslog.logging().logger());
            assertEquals(List.of("stdout"), capnslog.logging().outputs());
            assertEquals(Map.of("server", LogSettings.Level.DEBUG, "io.kvorum.launcher", LogSettings.Level.WARN),
                    capnslog.logging().packageLevels());
            assertEquals(List.of("Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead",
                            "Deprecated '--log-package-levels=server=DEBUG,io.kvorum.launcher=WARNING' flag is set;"
                                    + " use '--logger=zap' flag instead"),
                    capnslog.warnings());
        }

        @Test
        void packageLevelsAreIgnoredWithZapAndBadOnesWarnedAbout() throws UsageException {
            assertEquals(Map.of(), serve(NO_VARIABLES, "--log-package-levels", "server=DEBUG").logging().packageLevels());
            Command.Serve bad = serve(NO_VARIABLES, "--logger", "capnslog", "--log-package-levels", "server");
            assertEquals(Map.of(), bad.logging().packageLevels());
            assertTrue(bad.warnings().contains("couldn't parse log level string: oddly structured `pkg=level` option:"
                    + " server, continuing with default levels"), bad.warnings().toString());
        }

        @Test
        void etcdsErrors() {
            assertEquals("invalid value \"glog\" for flag --logger: unknown logger option \"glog\"",
                    usageError("--logger", "glog"));
            assertEquals("invalid value \"xml\" for flag --log-format: must be json or console",
                    usageError("--log-format", "xml"));
            assertEquals("multi logoutput for \"default\" is not supported yet",
                    usageError("--log-outputs", "default,stdout"));
            assertEquals("running with systemd/journal but other '--log-outputs' values ([\"systemd/journal\" \"stdout\"])"
                    + " are configured with 'default'; override 'default' value with something else",
                    usageError("--log-outputs", "systemd/journal,stdout"));
            assertEquals("--logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]",
                    usageError("--logger", "capnslog", "--log-outputs", "stderr,stdout"));
            assertEquals("unknown log-output \"member.log\" (only supports \"default\", \"stderr\", \"stdout\")",
                    usageError("--logger", "capnslog", "--log-outputs", "member.log"));
        }
    }

    @Nested
    class Tls {

        @Test
        void clientFlagsAreEtcdsAndComeFromTheEnvironmentToo() throws UsageException {
            ServerConfig config = serve(Map.of("ETCD_TRUSTED_CA_FILE", "ca.crt", "ETCD_CLIENT_CERT_AUTH", "true"),
                    "--listen-client-urls", "https://127.0.0.1:0", "--advertise-client-urls", "https://127.0.0.1:0",
                    "--cert-file", "server.crt", "--key-file=server.key", "--client-crl-file", "revoked.crl",
                    "--client-cert-allowed-hostname", "client.example.com").config();

            TlsSettings tls = config.clientTls();
            assertEquals(Optional.of(Path.of("server.crt")), tls.certFile());
            assertEquals(Optional.of(Path.of("server.key")), tls.keyFile());
            assertEquals(Optional.of(Path.of("ca.crt")), tls.trustedCaFile());
            assertTrue(tls.clientCertAuth());
            assertEquals(Optional.of(Path.of("revoked.crl")), tls.crlFile());
            assertEquals(List.of("client.example.com"), tls.allowedHostnames());
            assertEquals(List.of("TLSv1.2", "TLSv1.3"), tls.protocols());
            assertTrue(config.servesClientTls());
            assertFalse(config.peerTls().hasServerCertificate());
        }

        @Test
        void peerFlagsGoToThePeerSide() throws UsageException {
            TlsSettings peer = config("--peer-cert-file", "p.crt", "--peer-key-file", "p.key", "--peer-trusted-ca-file",
                    "pca.crt", "--peer-client-cert-auth", "--peer-crl-file", "p.crl", "--peer-cert-allowed-cn", "member",
                    "--peer-cert-allowed-hostname", "m.example.com", "--peer-auto-tls").peerTls();
            assertEquals(Optional.of(Path.of("p.crt")), peer.certFile());
            assertEquals(Optional.of(Path.of("p.key")), peer.keyFile());
            assertEquals(Optional.of(Path.of("pca.crt")), peer.trustedCaFile());
            assertTrue(peer.clientCertAuth());
            assertTrue(peer.autoTls());
            assertEquals(Optional.of(Path.of("p.crl")), peer.crlFile());
            assertEquals(List.of("member"), peer.allowedCommonNames());
            assertEquals(List.of("m.example.com"), peer.allowedHostnames());
        }

        @Test
        void anHttpsClientUrlWithoutCertificateIsRefusedInEtcdsWords() {
            assertEquals("TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379"
                            + " with HTTPS scheme",
                    usageError("--listen-client-urls", "https://127.0.0.1:2379", "--advertise-client-urls",
                            "https://127.0.0.1:2379"));
        }

        @Test
        void goCipherSuiteNamesBecomeTheJdksIncludingEtcdsShortChaChaNames() throws UsageException {
            TlsSettings tls = config("--cipher-suites",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305").clientTls();
            assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
                    tls.cipherSuites());
            assertEquals("invalid value \"TLS_NOPE\" for flag --cipher-suites: unexpected TLS cipher suite \"TLS_NOPE\"",
                    usageError("--cipher-suites", "TLS_NOPE"));
        }

        @Test
        void tlsVersionsAreSpelledAsEtcd35Spells() throws UsageException {
            assertEquals(List.of("TLSv1.3"), config("--tls-min-version", "TLS1.3").clientTls().protocols());
            assertEquals(List.of("TLSv1.2"), config("--tls-max-version", "TLS1.2").clientTls().protocols());
            assertEquals("invalid value \"TLS1.1\" for flag --tls-min-version: unexpected TLS version \"TLS1.1\""
                    + " (must be one of: TLS1.2, TLS1.3)", usageError("--tls-min-version", "TLS1.1"));
            assertEquals("--tls-min-version, --tls-max-version: min version (TLSv1.3) is greater than max version"
                    + " (TLSv1.2)", usageError("--tls-min-version", "TLS1.3", "--tls-max-version", "TLS1.2"));
            assertEquals("--cipher-suites: cipher suites cannot be configured when only TLS1.3 is enabled",
                    usageError("--tls-min-version", "TLS1.3", "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        }

        @Test
        void theTlsPluginIsChosenByName() throws UsageException {
            ServerConfig config = config("--tls", "custom", "--tls-opt", "reload-interval-ms=50");
            assertEquals("custom", config.tls());
            assertEquals(Optional.of("50"), config.tlsOptions().get("reload-interval-ms"));
            assertEquals("pem", config().tls());
        }
    }

    @Nested
    class QuotaAndAutoCompaction {

        @Test
        void theDefaultsAreEtcds() throws UsageException {
            ServerConfig config = config();

            assertEquals(0, config.quotaBackendBytes());
            assertEquals("periodic", config.autoCompactionMode());
            assertEquals("0", config.autoCompactionRetention());
        }

        @Test
        void flagsAndVariablesAreRead() throws UsageException {
            ServerConfig config = config("--quota-backend-bytes", "1048576",
                    "--auto-compaction-mode", "revision", "--auto-compaction-retention=1000");
            ServerConfig fromVariables = serve(Map.of("ETCD_QUOTA_BACKEND_BYTES", "-1",
                    "ETCD_AUTO_COMPACTION_RETENTION", "30m")).config();

            assertEquals(1_048_576, config.quotaBackendBytes());
            assertEquals("revision", config.autoCompactionMode());
            assertEquals("1000", config.autoCompactionRetention());
            assertEquals(-1, fromVariables.quotaBackendBytes());
            assertEquals("30m", fromVariables.autoCompactionRetention());
        }

        @Test
        void badValuesGetEtcdsMessagesNamingTheFlag() {
            assertTrue(usageError("--quota-backend-bytes", "2GB").contains("--quota-backend-bytes"));
            assertEquals("--auto-compaction-mode: unknown auto-compaction-mode \"daily\"",
                    usageError("--auto-compaction-mode", "daily"));
            assertEquals("--auto-compaction-retention: error parsing CompactionRetention: time: invalid duration \"1d\"",
                    usageError("--auto-compaction-retention", "1d"));
        }
    }
}
