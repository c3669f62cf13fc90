package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.launcher.discovery.DiscoverySettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's flags beyond the core ones: what each does here, and the values refused. */
class EtcdFlagsTest {

    private static Command.Serve serve(Map<String, String> environment, String... args) throws UsageException {
        return assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of(args), environment));
    }

    private static Command.Serve serve(String... args) throws UsageException {
        return serve(Map.of(), args);
    }

    private static String refused(String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(List.of(args), Map.of())).getMessage();
    }

    @Test
    void booleansTakeEveryFormOfGosParseBool() throws UsageException {
        for (String yes : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertTrue(serve("--pre-vote=" + yes).config().preVote(), yes);
        }
        for (String no : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertFalse(serve("-pre-vote=" + no).config().preVote(), no);
            assertFalse(serve(Map.of("ETCD_PRE_VOTE", no)).config().preVote(), no);
        }
        assertEquals("invalid value \"yes\" for flag --pre-vote: must be true or false", refused("--pre-vote=yes"));
    }

    @Test
    void raftFilesAndLogFlagsBecomeTheRaftConsensusOptions() throws UsageException {
        Map<String, String> options = serve("--wal-dir", "/ssd/wal", "--max-snapshots", "3", "-max-wals=0",
                "--experimental-snapshot-catchup-entries", "10000", "--experimental-max-learners", "3")
                .config().consensusOptions().asMap();

        assertEquals(Map.of("wal-dir", "/ssd/wal", "max-snapshots", "3", "max-wals", "0",
                "snapshot-catch-up-entries", "10000", "max-learners", "3"), options);
    }

    @Test
    void etcdsRetentionDefaultsAreGivenToRaft() throws UsageException {
        assertEquals(Map.of("max-snapshots", "5", "max-wals", "5"),
                serve().config().consensusOptions().asMap());
    }

    @Test
    void anExplicitConsensusOptionWinsOverTheEtcdFlag() throws UsageException {
        Map<String, String> options = serve("--max-wals", "2", "--consensus-opt", "max-wals=7")
                .config().consensusOptions().asMap();

        assertEquals("7", options.get("max-wals"));
    }

    @Test
    void otherConsensusPluginsAreNotGivenRaftsOptionsAndAWalDirIsWarnedAbout() throws UsageException {
        Command.Serve serve = serve("--consensus", "standalone", "--wal-dir", "/ssd/wal");

        assertEquals(Map.of(), serve.config().consensusOptions().asMap());
        assertEquals(List.of("--wal-dir is ignored: it configures the raft consensus, not standalone"),
                serve.warnings());
    }

    @Test
    void badValuesAreRefusedNamingTheFlag() {
        assertEquals("invalid value \"-1\" for flag --max-wals: parse error", refused("--max-wals", "-1"));
        assertEquals("invalid value \"4294967296\" for flag --max-concurrent-streams: value out of range",
                refused("--max-concurrent-streams", "4294967296"));
        assertTrue(refused("--grpc-keepalive-interval", "2").startsWith(
                "invalid value \"2\" for flag --grpc-keepalive-interval: invalid duration"));
        assertEquals("invalid value \"maybe\" for flag --discovery-fallback: valid values are exit, proxy",
                refused("--discovery-fallback", "maybe"));
    }

    @Test
    void theV2ApiIsServedWithEnableV2() throws UsageException {
        assertFalse(serve().config().enableV2());
        assertFalse(serve("--enable-v2=false").config().enableV2());
        assertTrue(serve("--enable-v2").config().enableV2());
        assertTrue(serve("--enable-v2=true").config().enableV2());
        assertTrue(serve(Map.of("ETCD_ENABLE_V2", "true")).config().enableV2());
    }

    @Test
    void v2v3IsRefusedUnlessEmpty() throws UsageException {
        serve("--enable-v2=false", "--proxy", "off", "--discovery", "", "--discovery-srv=", "--experimental-enable-v2v3",
                "");
        assertEquals("--experimental-enable-v2v3 /v2/: the v2 API over the v3 store (v2v3) is not supported yet",
                refused("--experimental-enable-v2v3", "/v2/"));
        assertEquals("invalid value \"sideways\" for flag --proxy: valid values are off, readonly, on",
                refused("--proxy", "sideways"));
    }

    @Test
    void discoveryFlagsAreReadForTheBootstrap() throws UsageException {
        assertEquals(DiscoverySettings.NONE, serve("--discovery", "", "--discovery-srv=").discovery());
        String url = "https://discovery.etcd.io/3e86b59982e49066c5d813af1c2e2579cbf573de";
        assertEquals(new DiscoverySettings(url, DiscoverySettings.Fallback.EXIT, "http://10.0.0.9:3128", "", ""),
                serve("--discovery", url, "--discovery-fallback", "exit", "--discovery-proxy", "http://10.0.0.9:3128")
                        .discovery());
        assertEquals(new DiscoverySettings("", DiscoverySettings.Fallback.PROXY, "", "example.com", "prod"),
                serve(Map.of("ETCD_DISCOVERY_SRV", "example.com", "ETCD_DISCOVERY_SRV_NAME", "prod")).discovery());
        // etcd's check: one way to bootstrap
        String conflict = "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\","
                + " \"discovery\" or \"discovery-srv\"";
        assertEquals(conflict, refused("--discovery", url, "--discovery-srv", "example.com"));
        assertEquals(conflict, refused("--name", "a", "--initial-cluster", "a=http://127.0.0.1:2380",
                "--discovery-srv", "example.com"));
    }

    @Test
    void theProxyFlagsStartAV2ProxyInsteadOfAMember(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws UsageException {
        Command.Proxy proxy = assertInstanceOf(Command.Proxy.class, CommandLine.parse(List.of("--proxy", "readonly",
                "--data-dir", dir.toString(), "--listen-client-urls", "http://127.0.0.1:0",
                "--initial-cluster", "b=http://10.0.0.2:2380,a=http://10.0.0.1:2380", "--proxy-failure-wait", "0x10",
                "--proxy-refresh-interval", "200", "--proxy-dial-timeout", "300", "--proxy-read-timeout", "400",
                "--proxy-write-timeout", "500"), Map.of()));
        assertTrue(proxy.proxy().readonly());
        assertEquals(List.of("http://10.0.0.1:2380", "http://10.0.0.2:2380"), proxy.proxy().initialPeerUrls());
        assertEquals(java.time.Duration.ofMillis(16), proxy.proxy().failureWait());
        assertEquals(java.time.Duration.ofMillis(200), proxy.proxy().refreshInterval());
        assertEquals(java.time.Duration.ofMillis(300), proxy.proxy().dialTimeout());
        assertEquals(java.time.Duration.ofMillis(400), proxy.proxy().readTimeout());
        assertEquals(java.time.Duration.ofMillis(500), proxy.proxy().writeTimeout());
        assertEquals("raft", proxy.consensus());
        // a name outside --initial-cluster and no --advertise-client-urls: etcd asks neither of a proxy
        assertFalse(assertInstanceOf(Command.Proxy.class, CommandLine.parse(List.of("--proxy", "on", "--data-dir",
                dir.toString(), "--listen-client-urls", "http://127.0.0.1:0"), Map.of())).proxy().readonly());
        assertInstanceOf(Command.Proxy.class, CommandLine.parse(List.of("--data-dir", dir.toString()),
                Map.of("ETCD_PROXY", "on")));
        assertEquals("invalid value \"-1\" for flag --proxy-failure-wait: parse error",
                refused("--proxy", "on", "--proxy-failure-wait", "-1"));
    }

    @Test
    void aDataDirAProxyInitializedStartsAProxyAgain(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of("--data-dir", dir.toString()), Map.of()));
        java.nio.file.Files.createDirectories(dir.resolve("proxy"));
        Command.Proxy proxy = assertInstanceOf(Command.Proxy.class,
                CommandLine.parse(List.of("--data-dir", dir.toString()), Map.of()));
        assertFalse(proxy.proxy().readonly());
    }

    @Test
    void httpOnlyClientUrlsAreRead() throws UsageException {
        assertEquals(List.of(java.net.URI.create("http://127.0.0.1:2382"), java.net.URI.create("http://10.0.0.1:2382")),
                serve("--listen-client-http-urls", "http://127.0.0.1:2382,http://10.0.0.1:2382").config()
                        .listenClientHttpUrls());
        assertEquals(List.of(), serve("--listen-client-http-urls=").config().listenClientHttpUrls());
        assertTrue(refused("--listen-client-http-urls", "unix://x").startsWith(
                "invalid value \"unix://x\" for flag --listen-client-http-urls: URL scheme must be http or https"));
    }

    @Test
    void maxConcurrentStreamsAndTheCompactionBatchLimitReachTheServer() throws UsageException {
        assertEquals(100, serve("--max-concurrent-streams", "100").config().clientConnections().maxConcurrentStreams());
        assertEquals(500, serve("--experimental-compaction-batch-limit=500").config().compactionBatchLimit());
        assertEquals(1000, serve("--experimental-compaction-batch-limit=0").config().compactionBatchLimit());
    }

    @Test
    void distributedTracingIsAcceptedWithAWarningThatThereIsNone() throws UsageException {
        assertEquals(List.of("--experimental-enable-distributed-tracing: kvorum has no distributed tracing; no spans"
                        + " are exported"),
                serve("--experimental-enable-distributed-tracing", "--experimental-distributed-tracing-address",
                        "collector:4317").warnings());
    }

    @Test
    void debugMeansDebugLoggingUnlessALevelIsGiven() throws UsageException {
        assertEquals(LogLevel.DEBUG, serve("--debug").logLevel());
        assertEquals(LogLevel.WARN, serve("--debug", "--log-level", "warn").logLevel());
        assertEquals(LogLevel.INFO, serve("--debug=false").logLevel());
    }

    @Test
    void everyEtcdVariableOfAnAcceptedFlagIsRecognized() throws UsageException {
        Command.Serve serve = serve(Map.of("ETCD_MAX_WALS", "9", "ETCD_HOST_WHITELIST", "example.com",
                "ETCD_EXPERIMENTAL_BACKEND_BBOLT_FREELIST_TYPE", "map", "ETCD_SOCKET_REUSE_PORT", "true"));

        assertEquals(List.of(), serve.warnings());
        assertEquals("9", serve.config().consensusOptions().asMap().get("max-wals"));
    }

    @Test
    void helpSaysWhatEachFlagDoesHere() {
        String help = Flag.helpText();

        assertTrue(help.contains("  --proxy 'off'\n      Proxy mode setting ('off', 'readonly' or 'on').\n"
                + "      kvorum: on or readonly: a v2 proxy in front of the cluster of --initial-cluster"
                + " (http:// listeners only)\n"), help);
        assertTrue(help.contains("\nv2 Proxy (to be deprecated in v4):\n"), help);
        assertTrue(help.contains("\nProfiling and Monitoring:\n"), help);
    }

    @Test
    void theFlagsThatWereOnlyAcceptedReachTheServersConfiguration() throws UsageException {
        var config = serve("--socket-reuse-port", "--socket-reuse-address=true", "--experimental-stop-grpc-service-on-defrag",
                "--experimental-compact-hash-check-enabled", "--experimental-compact-hash-check-time", "2m",
                "--backend-batch-limit", "100", "--backend-batch-interval", "10ms",
                "--grpc-keepalive-min-time", "10s", "--grpc-keepalive-interval", "1h", "--grpc-keepalive-timeout", "30s")
                .config();

        assertEquals(new io.kvorum.server.ListenerSockets(true, true), config.listenerSockets());
        assertTrue(config.stopGrpcServiceOnDefrag());
        assertTrue(config.compactHashCheck());
        assertEquals(java.time.Duration.ofMinutes(2), config.compactHashCheckTime());
        assertEquals(100, config.backendBatchLimit());
        assertEquals(java.time.Duration.ofMillis(10), config.backendBatchInterval());
        assertEquals(java.time.Duration.ofSeconds(10), config.clientConnections().keepAliveMinTime());
        assertEquals(java.time.Duration.ofHours(1), config.clientConnections().keepAliveInterval());
        assertEquals(java.time.Duration.ofSeconds(30), config.clientConnections().keepAliveTimeout());
    }

    @Test
    void theCompactHashCheckTimeMustBeAboveZeroAsInEtcd() {
        assertEquals("--experimental-compact-hash-check-time must be >0 (set to 0s)",
                refused("--experimental-compact-hash-check-time", "0s"));
    }
}
