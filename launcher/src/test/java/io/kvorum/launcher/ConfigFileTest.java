package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config-file}: etcd's YAML file, read with etcd's rules. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("etcd.conf.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Command.Serve serve(Map<String, String> environment, String... args) throws UsageException {
        return assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of(args), environment));
    }

    private Command.Serve fromFile(String yaml) throws Exception {
        return serve(Map.of(), "--config-file", file(yaml).toString());
    }

    private String refused(String yaml) throws IOException {
        Path file = file(yaml);
        return assertThrows(UsageException.class,
                () -> CommandLine.parse(List.of("--config-file", file.toString()), Map.of())).getMessage();
    }

    @Test
    void keysAreTheFlagsNames() throws Exception {
        ServerConfig config = fromFile("""
                name: 'infra1'
                data-dir: /var/lib/etcd
                snapshot-count: 10000
                heartbeat-interval: 50
                election-timeout: 500
                listen-peer-urls: http://127.0.0.1:2380
                listen-client-urls: http://127.0.0.1:2379,http://127.0.0.1:22379
                advertise-client-urls: http://127.0.0.1:2379
                initial-advertise-peer-urls: http://127.0.0.1:2380
                initial-cluster: infra1=http://127.0.0.1:2380,infra2=http://127.0.0.1:2381
                initial-cluster-token: 'etcd-cluster-1'
                initial-cluster-state: 'existing'
                auto-compaction-mode: revision
                auto-compaction-retention: 1000
                max-txn-ops: 64
                """).config();

        assertEquals("infra1", config.name());
        assertEquals(Path.of("/var/lib/etcd"), config.dataDir());
        assertEquals(10000, config.snapshotCount());
        assertEquals(Duration.ofMillis(50), config.heartbeatInterval());
        assertEquals(Duration.ofMillis(500), config.electionTimeout());
        assertEquals(List.of(URI.create("http://127.0.0.1:2379"), URI.create("http://127.0.0.1:22379")),
                config.listenClientUrls());
        assertEquals(List.of("infra1", "infra2"), List.copyOf(config.initialCluster().keySet()));
        assertEquals("etcd-cluster-1", config.initialClusterToken());
        assertTrue(config.initialClusterExisting());
        assertEquals("revision", config.autoCompactionMode());
        // an integer into etcd's string field becomes its text
        assertEquals("1000", config.autoCompactionRetention());
        assertEquals(64, config.maxTxnOps());
    }

    @Test
    void yaml11BooleansAreBooleans() throws Exception {
        assertFalse(fromFile("strict-reconfig-check: no\n").config().strictReconfigCheck());
        assertFalse(fromFile("strict-reconfig-check: off\n").config().strictReconfigCheck());
        assertTrue(fromFile("strict-reconfig-check: On\n").config().strictReconfigCheck());
        assertFalse(fromFile("pre-vote: N\n").config().preVote());
    }

    @Test
    void aBooleanKeyRefusesAStringInEtcdsWords() throws Exception {
        assertEquals("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field"
                + " configYAML.strict-reconfig-check of type bool", refused("strict-reconfig-check: 'false'\n"));
    }

    @Test
    void aPlainOffIntoAStringKeyIsFalseWhichProxyRefusesButQuotedOffIsAccepted() throws Exception {
        assertEquals("invalid value \"false\" for config file key \"proxy\": valid values are off, readonly, on",
                refused("proxy: off\n"));
        fromFile("proxy: 'off'\n");
    }

    @Test
    void durationsAreNanoseconds() throws Exception {
        assertEquals(Duration.ofSeconds(5), fromFile("experimental-watch-progress-notify-interval: 5000000000\n")
                .config().watchProgressNotifyInterval());
        assertEquals("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field"
                        + " configYAML.experimental-corrupt-check-time of type time.Duration",
                refused("experimental-corrupt-check-time: 5s\n"));
    }

    @Test
    void emptyAndNullValuesKeepTheDefaults() throws Exception {
        ServerConfig config = fromFile("""
                name:
                data-dir: ~
                wal-dir:
                discovery:
                initial-cluster: null
                """).config();

        assertEquals("default", config.name());
        assertEquals(Path.of("default.kvorum"), config.dataDir());
    }

    @Test
    void unknownKeysAreIgnoredAsEtcdDoes() throws Exception {
        ServerConfig config = fromFile("""
                name: infra1
                no-such-key: 1
                log-outputs: [stderr]
                logger: zap
                """).config();

        assertEquals("infra1", config.name());
    }

    @Test
    void tlsSettingsAreInTheirBlocks() throws Exception {
        ServerConfig config = fromFile("""
                client-transport-security:
                  cert-file: /etc/etcd/server.crt
                  key-file: /etc/etcd/server.key
                  client-cert-auth: true
                  trusted-ca-file: /etc/etcd/ca.crt
                  auto-tls: false
                peer-transport-security:
                  cert-file: /etc/etcd/peer.crt
                  key-file: /etc/etcd/peer.key
                  client-cert-auth: yes
                  trusted-ca-file: /etc/etcd/peer-ca.crt
                  allowed-cn: etcd-peer
                cipher-suites: [
                  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
                ]
                """).config();

        assertEquals(Optional.of(Path.of("/etc/etcd/server.crt")), config.clientTls().certFile());
        assertEquals(Optional.of(Path.of("/etc/etcd/server.key")), config.clientTls().keyFile());
        assertTrue(config.clientTls().clientCertAuth());
        assertEquals(Optional.of(Path.of("/etc/etcd/peer-ca.crt")), config.peerTls().trustedCaFile());
        assertTrue(config.peerTls().clientCertAuth());
        assertEquals(List.of("etcd-peer"), config.peerTls().allowedCommonNames());
        assertEquals(2, config.clientTls().cipherSuites().size());
    }

    @Test
    void theSnapshotCatchUpKeyIsSpelledAsEtcdSpellsIt() {
        assertEquals(Optional.of(Flag.EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES),
                ConfigFile.topLevel("experimental-snapshot-catch-up-entries"));
        assertEquals(Optional.empty(), ConfigFile.topLevel("experimental-snapshot-catchup-entries"));
        assertEquals(Optional.empty(), ConfigFile.topLevel("cert-file"));
    }

    @Test
    void otherFlagsAndVariablesAreIgnoredWithEtcdsNotice() throws Exception {
        Path file = file("name: from-file\n");
        Command.Serve serve = serve(Map.of("ETCD_NAME", "from-env", "ETCD_MAX_TXN_OPS", "16", "ETCD_FOO", "x"),
                "--name", "from-flag", "--config-file", file.toString(), "--max-request-bytes", "10");

        assertEquals("from-file", serve.config().name());
        assertEquals(128, serve.config().maxTxnOps());
        assertEquals(1_572_864L, serve.config().maxRequestBytes());
        assertEquals(List.of(), serve.warnings());
        assertEquals(List.of("loaded server configuration, other configuration command line flags and environment"
                + " variables will be ignored if provided {\"path\": \"" + file + "\"}"), serve.notices());
    }

    @Test
    void theFileMayBeGivenByItsVariable() throws Exception {
        Path file = file("name: from-file\n");
        Command.Serve serve = serve(Map.of("ETCD_CONFIG_FILE", file.toString(), "ETCD_NAME", "from-env"));

        assertEquals("from-file", serve.config().name());
    }

    @Test
    void anUnreadableFileIsAUsageError() {
        String message = assertThrows(UsageException.class, () -> CommandLine.parse(
                List.of("--config-file", dir.resolve("missing.yml").toString()), Map.of())).getMessage();
        assertTrue(message.startsWith("cannot read config file "), message);
    }

    @Test
    void badYamlIsAUsageError() throws Exception {
        assertTrue(refused("name: [unclosed\n").startsWith("error converting YAML to JSON: "));
    }

    @Test
    void aListenerWithoutAdvertiseKeepsEtcdsDefaultAdvertiseUrl() throws Exception {
        ServerConfig config = fromFile("listen-client-urls: http://127.0.0.1:0\n").config();

        assertEquals(List.of(URI.create("http://127.0.0.1:0")), config.listenClientUrls());
    }

    @Test
    void theV2ApiIsTurnedOnByEnableV2() throws Exception {
        assertFalse(fromFile("enable-v2: false\n").config().enableV2());
        assertTrue(fromFile("enable-v2: true\n").config().enableV2());
    }

    @Test
    void theShippedSampleStartsAMemberAsIs() throws Exception {
        Path sample = Path.of("src/dist/conf/kvorum.conf.yml");
        Command.Serve serve = serve(Map.of(), "--config-file", sample.toString());

        assertEquals("default", serve.config().name());
    }
}
