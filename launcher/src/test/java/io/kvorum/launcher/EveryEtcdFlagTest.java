package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every flag of real etcd's {@code --help} (read from the installed etcd when the test runs), and
 * the etcd 3.5 flags deployments pass, is accepted in each of etcd's spellings with a value etcd
 * accepts.
 */
class EveryEtcdFlagTest {

    /** etcd 3.5's flags that deployments pass, which 3.4's --help does not list. */
    static final Set<String> ETCD_3_5_FLAGS = Set.of(
            "experimental-watch-progress-notify-interval", "experimental-compact-hash-check-enabled",
            "experimental-compact-hash-check-time", "experimental-enable-distributed-tracing",
            "experimental-distributed-tracing-address", "experimental-distributed-tracing-service-name",
            "experimental-distributed-tracing-instance-id", "experimental-distributed-tracing-sampling-rate",
            "listen-client-http-urls", "log-format", "tls-min-version", "tls-max-version",
            "experimental-warning-apply-duration", "experimental-memory-mlock",
            "experimental-txn-mode-write-with-shared-buffer", "experimental-bootstrap-defrag-threshold-megabytes",
            "experimental-max-learners", "experimental-snapshot-catchup-entries",
            "experimental-enable-lease-checkpoint-persist", "socket-reuse-port", "socket-reuse-address",
            "experimental-stop-grpc-service-on-defrag", "experimental-downgrade-check-time", "v2-deprecation");

    /** A value etcd accepts for each flag, as an operator would write it. */
    private static final Map<String, String> VALID = Map.ofEntries(
            Map.entry("name", "infra0"),
            Map.entry("listen-metrics-urls", "http://127.0.0.1:2381"),
            Map.entry("metrics", "extensive"),
            Map.entry("experimental-enable-lease-checkpoint", "true"),
            Map.entry("experimental-enable-lease-checkpoint-persist", "true"),
            Map.entry("force-new-cluster", "true"),
            Map.entry("logger", "zap"),
            Map.entry("log-outputs", "stderr"),
            Map.entry("log-format", "json"),
            Map.entry("log-package-levels", "etcdserver=WARNING"),
            Map.entry("data-dir", "/var/lib/etcd"),
            Map.entry("wal-dir", "/var/lib/etcd-wal"),
            Map.entry("snapshot-count", "10000"),
            Map.entry("heartbeat-interval", "100"),
            Map.entry("election-timeout", "1000"),
            Map.entry("initial-election-tick-advance", "false"),
            Map.entry("listen-peer-urls", "http://10.0.1.10:2380"),
            Map.entry("listen-client-urls", "http://10.0.1.10:2379,http://127.0.0.1:2379"),
            Map.entry("max-snapshots", "5"),
            Map.entry("max-wals", "0"),
            Map.entry("quota-backend-bytes", "8589934592"),
            Map.entry("backend-batch-interval", "10ms"),
            Map.entry("backend-batch-limit", "100"),
            Map.entry("max-txn-ops", "256"),
            Map.entry("max-request-bytes", "10485760"),
            Map.entry("max-concurrent-streams", "100"),
            Map.entry("grpc-keepalive-min-time", "10s"),
            Map.entry("grpc-keepalive-interval", "1h"),
            Map.entry("grpc-keepalive-timeout", "30s"),
            Map.entry("initial-advertise-peer-urls", "http://10.0.1.10:2380"),
            Map.entry("initial-cluster", "default=http://localhost:2380,infra1=http://10.0.1.11:2380"),
            Map.entry("initial-cluster-state", "existing"),
            Map.entry("initial-cluster-token", "etcd-cluster-1"),
            Map.entry("advertise-client-urls", "http://10.0.1.10:2379"),
            Map.entry("discovery", ""),
            Map.entry("discovery-fallback", "exit"),
            Map.entry("discovery-proxy", ""),
            Map.entry("discovery-srv", ""),
            Map.entry("discovery-srv-name", ""),
            Map.entry("strict-reconfig-check", "false"),
            Map.entry("pre-vote", "true"),
            Map.entry("auto-compaction-retention", "1h"),
            Map.entry("auto-compaction-mode", "periodic"),
            Map.entry("enable-v2", "true"),
            Map.entry("cert-file", ""),
            Map.entry("key-file", ""),
            Map.entry("client-cert-auth", "false"),
            Map.entry("client-crl-file", "/etc/etcd/client.crl"),
            Map.entry("client-cert-allowed-hostname", "client.example.com"),
            Map.entry("trusted-ca-file", "/etc/etcd/ca.crt"),
            Map.entry("auto-tls", "false"),
            Map.entry("peer-cert-file", ""),
            Map.entry("peer-key-file", ""),
            Map.entry("peer-client-cert-auth", "false"),
            Map.entry("peer-trusted-ca-file", "/etc/etcd/peer-ca.crt"),
            Map.entry("peer-cert-allowed-cn", "etcd-peer"),
            Map.entry("peer-cert-allowed-hostname", "peer.example.com"),
            Map.entry("peer-auto-tls", "false"),
            Map.entry("peer-crl-file", "/etc/etcd/peer.crl"),
            Map.entry("cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            Map.entry("cors", "*"),
            Map.entry("host-whitelist", "example.com"),
            Map.entry("auth-token", "simple"),
            Map.entry("bcrypt-cost", "12"),
            Map.entry("auth-token-ttl", "600"),
            Map.entry("enable-pprof", "true"),
            Map.entry("log-level", "warn"),
            Map.entry("proxy", "off"),
            Map.entry("proxy-failure-wait", "5000"),
            Map.entry("proxy-refresh-interval", "30000"),
            Map.entry("proxy-dial-timeout", "1000"),
            Map.entry("proxy-write-timeout", "5000"),
            Map.entry("proxy-read-timeout", "0"),
            Map.entry("experimental-initial-corrupt-check", "true"),
            Map.entry("experimental-corrupt-check-time", "5m"),
            Map.entry("experimental-enable-v2v3", ""),
            Map.entry("experimental-backend-bbolt-freelist-type", "map"),
            Map.entry("experimental-compaction-batch-limit", "500"),
            Map.entry("experimental-peer-skip-client-san-verification", "true"),
            Map.entry("experimental-watch-progress-notify-interval", "5s"),
            Map.entry("experimental-warning-apply-duration", "200ms"),
            Map.entry("debug", "true"),
            Map.entry("experimental-compact-hash-check-enabled", "true"),
            Map.entry("experimental-compact-hash-check-time", "2m"),
            Map.entry("experimental-enable-distributed-tracing", "true"),
            Map.entry("experimental-distributed-tracing-address", "localhost:4317"),
            Map.entry("experimental-distributed-tracing-service-name", "etcd"),
            Map.entry("experimental-distributed-tracing-instance-id", "infra0"),
            Map.entry("experimental-distributed-tracing-sampling-rate", "100"),
            Map.entry("listen-client-http-urls", "http://127.0.0.1:2382"),
            Map.entry("tls-min-version", "TLS1.2"),
            Map.entry("tls-max-version", "TLS1.3"),
            Map.entry("experimental-memory-mlock", "true"),
            Map.entry("experimental-txn-mode-write-with-shared-buffer", "false"),
            Map.entry("experimental-bootstrap-defrag-threshold-megabytes", "100"),
            Map.entry("experimental-max-learners", "1"),
            Map.entry("experimental-snapshot-catchup-entries", "10000"),
            Map.entry("socket-reuse-port", "true"),
            Map.entry("socket-reuse-address", "true"),
            Map.entry("experimental-stop-grpc-service-on-defrag", "true"),
            Map.entry("experimental-downgrade-check-time", "10s"),
            Map.entry("v2-deprecation", "write-only"));

    /** Flags etcd accepts only together with another (its rule): that one is given too. */
    private static final Map<String, String> NEEDS = Map.of(
            "experimental-enable-lease-checkpoint-persist", "experimental-enable-lease-checkpoint");

    /** Every member started with an explicit client listener must advertise too (etcd's rule). */
    private static final List<String> ADVERTISE = List.of("--advertise-client-urls", "http://127.0.0.1:2379");

    private static final Pattern HELP_FLAG = Pattern.compile("^\\s+--([a-z0-9-]+)", Pattern.MULTILINE);

    /** The flags real etcd's {@code --help} lists; the test is skipped where etcd is not installed. */
    private static Set<String> etcdHelpFlags() throws IOException, InterruptedException {
        Path etcd = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "etcd")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(etcd != null, "etcd is not installed");
        Process process = new ProcessBuilder(etcd.toString(), "--help").redirectErrorStream(true).start();
        String help = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        Set<String> flags = new TreeSet<>();
        Matcher m = HELP_FLAG.matcher(help);
        while (m.find()) {
            flags.add(m.group(1));
        }
        assertTrue(flags.size() > 50, "etcd --help listed only " + flags);
        return flags;
    }

    private static Set<String> flagsToCheck() throws IOException, InterruptedException {
        Set<String> flags = new TreeSet<>(etcdHelpFlags());
        flags.addAll(ETCD_3_5_FLAGS);
        // actions, not configuration
        flags.removeAll(Set.of("help", "version"));
        return flags;
    }

    private static String valueFor(String flag) {
        String value = VALID.get(flag);
        if (value == null) {
            fail("no valid value known for --" + flag + ": add one to VALID");
        }
        return value;
    }

    private static Command.Serve serve(Map<String, String> environment, List<String> args) throws UsageException {
        return assertInstanceOf(Command.Serve.class, CommandLine.parse(args, environment));
    }

    @Test
    void everyFlagIsAcceptedAsFlagEqualsValueWithOneDashOrTwo() throws Exception {
        List<String> refused = new ArrayList<>();
        for (String flag : flagsToCheck()) {
            for (String dashes : List.of("--", "-")) {
                List<String> args = new ArrayList<>(ADVERTISE);
                if (NEEDS.containsKey(flag)) {
                    args.add("--" + NEEDS.get(flag));
                }
                args.add(dashes + flag + "=" + valueFor(flag));
                check(flag, Map.of(), args, refused);
            }
        }
        assertEquals(List.of(), refused);
    }

    @Test
    void everyFlagIsAcceptedAsFlagSpaceValueWithOneDashOrTwo() throws Exception {
        List<String> refused = new ArrayList<>();
        for (String flag : flagsToCheck()) {
            boolean isSwitch = Flag.named(flag).map(f -> f.kind() == Flag.Kind.SWITCH).orElse(false);
            for (String dashes : List.of("--", "-")) {
                List<String> args = new ArrayList<>(ADVERTISE);
                if (NEEDS.containsKey(flag)) {
                    args.add("--" + NEEDS.get(flag));
                }
                // Go's flag package: a boolean takes its value only after '='; alone it means true
                if (isSwitch) {
                    args.add(dashes + flag);
                } else {
                    args.add(dashes + flag);
                    args.add(valueFor(flag));
                }
                check(flag, Map.of(), args, refused);
            }
        }
        assertEquals(List.of(), refused);
    }

    @Test
    void everyFlagIsAcceptedAsItsEnvironmentVariable() throws Exception {
        List<String> refused = new ArrayList<>();
        for (String flag : flagsToCheck()) {
            String variable = "ETCD_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
            Map<String, String> environment = new java.util.HashMap<>(Map.of(variable, valueFor(flag)));
            environment.putIfAbsent("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:2379");
            if (NEEDS.containsKey(flag)) {
                environment.put("ETCD_" + NEEDS.get(flag).toUpperCase(Locale.ROOT).replace('-', '_'), "true");
            }
            Command.Serve serve = check(flag, environment, List.of(), refused);
            if (serve != null && serve.warnings().stream().anyMatch(w -> w.contains(variable))) {
                refused.add(variable + ": " + serve.warnings());
            }
        }
        assertEquals(List.of(), refused);
    }

    private static Command.Serve check(String flag, Map<String, String> environment, List<String> args,
                                       List<String> refused) {
        try {
            return serve(environment, args);
        } catch (UsageException e) {
            refused.add("--" + flag + " " + args + " " + environment + ": " + e.getMessage());
            return null;
        }
    }
}
