package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members started from etcd config files only ({@code bin/kvorum --config-file FILE}): etcd's own
 * sample, and a three-member cluster from three files. The {@code ETCD_*} variables given beside
 * the file are ignored, as etcd ignores them.
 */
class ConfigFileStartTest {
    /** etcd's sample in etcd's Go sources, where Debian installs them. */
    private static final Path ETCD_SAMPLE = Path.of("/usr/share/gocode/src/go.etcd.io/etcd/etcd.conf.yml.sample");

    @TempDir
    Path dir;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "the launcher is kvorum's own");
    }

    /** etcd's sample, from etcd's sources when installed, else a file with the same keys and values. */
    private static String etcdSample() throws IOException {
        if (Files.isReadable(ETCD_SAMPLE)) {
            return Files.readString(ETCD_SAMPLE);
        }
        try (InputStream in = ConfigFileStartTest.class.getResourceAsStream("/launcher/etcd-sample-keys.conf.yml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@code yaml} with the top-level keys given replaced (or added), the rest as it was. */
    private static String withKeys(String yaml, Map<String, String> keys) {
        StringBuilder out = new StringBuilder();
        Map<String, String> left = new LinkedHashMap<>(keys);
        for (String line : yaml.split("\n", -1)) {
            int colon = line.indexOf(':');
            String key = colon > 0 && !line.startsWith(" ") && !line.startsWith("#") ? line.substring(0, colon) : "";
            if (left.containsKey(key)) {
                out.append(key).append(": ").append(left.remove(key)).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        left.forEach((key, value) -> out.append(key).append(": ").append(value).append('\n'));
        return out.toString();
    }

    private ManagedProcess start(String name, Path config) {
        return ManagedProcess.start("kvorum-" + name, List.of(
                        KvorumProcess.home().resolve("bin/kvorum").toString(), "--config-file", config.toString()),
                dir.resolve("logs-" + name),
                // ignored: the file is the whole configuration
                Map.of("ETCD_NAME", "from-the-environment", "ETCD_MAX_TXN_OPS", "not-a-number"));
    }

    @Test
    void etcdsSampleConfigFileStartsAMemberThatServesEtcdctl() throws Exception {
        Etcdctl etcdctl = Etcdctl.require();
        int peerPort = FreePorts.pick();
        String peerUrl = "http://127.0.0.1:" + peerPort;
        // The sample's values, but for where to store and listen (and etcd 3.4's enable-v2: true: the v2 API
        // is not supported yet). Its TLS paths are empty already.
        String yaml = withKeys(etcdSample(), Map.of(
                "data-dir", dir.resolve("sample.etcd").toString(),
                "wal-dir", "",
                "listen-peer-urls", peerUrl,
                "initial-advertise-peer-urls", peerUrl,
                "initial-cluster", "default=" + peerUrl,
                "listen-client-urls", "http://127.0.0.1:0",
                "advertise-client-urls", "http://127.0.0.1:0",
                "enable-v2", "false"));
        Path config = dir.resolve("etcd.conf.yml");
        Files.writeString(config, yaml);

        try (ManagedProcess member = start("sample", config)) {
            URI url = member.awaitServing();
            assertTrue(member.stderrText().contains("loaded server configuration, other configuration command line"
                    + " flags and environment variables will be ignored if provided"), member.tail(40));

            Etcdctl.Result put = etcdctl.run(url, List.of("put", "from", "sample"), "");
            assertEquals(0, put.exitCode(), put.stderr());
            Etcdctl.Result get = etcdctl.run(url, List.of("get", "from", "--print-value-only"), "");
            assertEquals("sample\n", get.stdout(), get.stderr());
            Etcdctl.Result members = etcdctl.run(url, List.of("member", "list"), "");
            assertTrue(members.stdout().contains(", default, " + peerUrl + ", "), members.stdout());
            assertTrue(Files.isDirectory(dir.resolve("sample.etcd")), "the data-dir key is used");
        }
        // the sample's enable-pprof: true: a Flight Recorder recording, written at stop
        assertTrue(Files.size(dir.resolve("sample.etcd").resolve("kvorum.jfr")) > 0, "no recording written");
    }

    @Test
    void aThreeMemberClusterStartsFromThreeConfigFiles() throws Exception {
        Etcdctl etcdctl = Etcdctl.require();
        List<String> names = List.of("infra0", "infra1", "infra2");
        Map<String, String> peers = new LinkedHashMap<>();
        for (String name : names) {
            peers.put(name, "http://127.0.0.1:" + FreePorts.pick());
        }
        String cluster = String.join(",", peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        List<ManagedProcess> members = new ArrayList<>();
        try {
            for (String name : names) {
                Path config = dir.resolve(name + ".conf.yml");
                Files.writeString(config, """
                        name: '%s'
                        data-dir: %s
                        listen-peer-urls: %s
                        initial-advertise-peer-urls: %s
                        listen-client-urls: http://127.0.0.1:0
                        advertise-client-urls: http://127.0.0.1:0
                        initial-cluster: "%s"
                        initial-cluster-token: 'etcd-cluster-from-files'
                        initial-cluster-state: 'new'
                        strict-reconfig-check: on
                        proxy: 'off'
                        client-transport-security:
                          auto-tls: false
                        """.formatted(name, dir.resolve(name + ".etcd"), peers.get(name), peers.get(name), cluster));
                members.add(start(name, config));
            }
            List<URI> urls = new ArrayList<>();
            for (ManagedProcess member : members) {
                urls.add(member.awaitServing());
            }

            Etcdctl.Result put = etcdctl.run(urls.get(0), List.of("put", "k", "written-on-infra0"), "");
            assertEquals(0, put.exitCode(), put.stderr());
            Etcdctl.Result get = etcdctl.run(urls.get(2), List.of("get", "k", "--print-value-only"), "");
            assertEquals("written-on-infra0\n", get.stdout(), get.stderr());
            // each member publishes its name once it is serving, as etcd's do: wait until all three have
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Etcdctl.Result list;
            while (true) {
                list = etcdctl.run(urls.get(1), List.of("member", "list"), "");
                String shown = list.stdout();
                if (names.stream().allMatch(name -> shown.contains(", started, " + name + ", " + peers.get(name) + ", "))
                        || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(200);
            }
            for (String name : names) {
                assertTrue(list.stdout().contains(", started, " + name + ", " + peers.get(name) + ", "), list.stdout());
            }
        } finally {
            ManagedProcess.closeAll(members);
        }
    }
}
