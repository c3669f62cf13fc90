package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.etcdctl.EtcdctlV2;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's v2 proxy ({@code --proxy on|readonly}): a kvorum proxy in front of a 3-member kvorum
 * cluster serves {@code ETCDCTL_API=2 etcdctl} (with {@code --no-sync}, so that every request goes
 * through the proxy rather than to the members it lists), keeps serving when a member stops,
 * writes its cluster file and reuses it at restart; a readonly proxy refuses a write as a real
 * etcd 3.4 readonly proxy in front of real etcd does.
 */
@Tag("cluster")
class V2ProxyTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void aProxyServesEtcdctlSurvivesAMemberStoppingAndRestartsFromItsClusterFile() throws Exception {
        try (Cluster cluster = Cluster.start(Target.KVORUM, "v2-proxy", 3, "--enable-v2")) {
            cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10));
            String initialCluster = cluster.members().stream().map(ClusterMember::initialClusterEntry)
                    .collect(Collectors.joining(","));
            Path dataDir = work.resolve("proxy-data");
            ManagedProcess proxy = startKvorumProxy("on", dataDir, initialCluster);
            try {
                URI url = proxy.awaitServing();
                awaitTrue(() -> endpoints(url) == 3, "the proxy lists the 3 members' client URLs\n" + proxy.stderrText());
                String config = get(url, "/v2/config/local/proxy").body();
                for (ClusterMember m : cluster.members()) {
                    assertTrue(config.contains("\"" + m.clientUrl() + "\""), config);
                }

                assertEquals(ok("1\n"), etcdctl(url, "set", "/a", "1"));
                assertEquals(ok("2\n"), etcdctl(url, "set", "/dir/b", "2"));
                assertEquals(ok("1\n"), etcdctl(url, "get", "/a"));
                assertEquals(ok("/a\n/dir\n"), etcdctl(url, "ls", "--sort", "/"));
                assertEquals(ok("/dir/b\n"), etcdctl(url, "ls", "/dir"));
                assertEquals(200, get(url, "/version").statusCode());
                assertEquals(200, get(url, "/health").statusCode());
                String file = Files.readString(dataDir.resolve("proxy").resolve("cluster"));
                for (ClusterMember m : cluster.members()) {
                    assertTrue(file.contains("\"" + m.peerUrl() + "\""), file);
                }

                cluster.members().get(0).stop();
                for (int i = 0; i < 10; i++) {
                    assertEquals(ok("v" + i + "\n"), etcdctl(url, "set", "/after/k" + i, "v" + i));
                    assertEquals(ok("v" + i + "\n"), etcdctl(url, "get", "/after/k" + i));
                }
                assertTrue(proxy.isAlive());
            } finally {
                proxy.terminate(Duration.ofSeconds(10));
            }

            // at restart the cluster file wins over --initial-cluster, here a URL where nothing listens
            ManagedProcess again = startKvorumProxy("on", dataDir, "default=http://127.0.0.1:" + FreePorts.pick());
            try {
                URI url = again.awaitServing();
                awaitTrue(() -> endpoints(url) >= 2, "the restarted proxy finds the members\n" + again.stderrText());
                assertEquals(ok("1\n"), etcdctl(url, "get", "/a"));
                assertTrue(again.stderrText().contains("proxy using peer URLS from cluster file"), again.stderrText());
            } finally {
                again.terminate(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void aReadonlyProxyRefusesWritesAsEtcdsReadonlyProxyDoes() throws Exception {
        Path etcd = Binaries.etcd().orElse(null);
        Assumptions.assumeTrue(etcd != null, "etcd is not installed");
        try (Cluster kvorum = Cluster.start(Target.KVORUM, "v2-proxy-ro", 1, "--enable-v2");
             Cluster real = Cluster.start(Target.ETCD, "v2-proxy-ro-etcd", 1, "--enable-v2")) {
            ClusterMember kvorumMember = kvorum.members().get(0);
            ClusterMember etcdMember = real.members().get(0);
            ManagedProcess kvorumProxy = startKvorumProxy("readonly", work.resolve("kvorum-ro"),
                    kvorumMember.initialClusterEntry());
            int etcdPort = FreePorts.pick();
            URI etcdUrl = URI.create("http://127.0.0.1:" + etcdPort);
            ManagedProcess etcdProxy = ManagedProcess.start("etcd-proxy", List.of(etcd.toString(), "--proxy", "readonly",
                    "--data-dir", work.resolve("etcd-ro-data").toString(), "--listen-client-urls", etcdUrl.toString(),
                    "--initial-cluster", etcdMember.initialClusterEntry()), work.resolve("etcd-ro"), Map.of());
            try {
                URI kvorumUrl = kvorumProxy.awaitServing();
                awaitTrue(() -> endpoints(kvorumUrl) == 1, "the kvorum proxy finds its member\n" + kvorumProxy.stderrText());
                awaitTrue(() -> endpoints(etcdUrl) == 1, "the etcd proxy finds its member\n" + etcdProxy.stderrText());
                for (ClusterMember m : List.of(kvorumMember, etcdMember)) {
                    assertEquals(ok("seed\n"), etcdctlAt(m.clientUrl(), "set", "/seed", "seed"));
                }

                List<String> kvorumSaw = new ArrayList<>();
                List<String> etcdSaw = new ArrayList<>();
                for (var pair : List.of(Map.entry(kvorumUrl, kvorumSaw), Map.entry(etcdUrl, etcdSaw))) {
                    URI url = pair.getKey();
                    List<String> saw = pair.getValue();
                    saw.add(etcdctl(url, "set", "/ro", "v").replace(url.toString(), "<proxy>"));
                    saw.add(etcdctl(url, "mkdir", "/rodir").replace(url.toString(), "<proxy>"));
                    saw.add(etcdctl(url, "rm", "/seed").replace(url.toString(), "<proxy>"));
                    saw.add(etcdctl(url, "get", "/seed"));
                    saw.add(etcdctl(url, "get", "/ro").replaceAll("\\[\\d+\\]", "[index]"));
                    for (String method : List.of("PUT", "POST", "DELETE")) {
                        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url.resolve("/v2/keys/raw"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .method(method, HttpRequest.BodyPublishers.ofString("value=1")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        saw.add(method + " " + r.statusCode() + " length "
                                + r.headers().firstValue("content-length").orElse("none") + " body [" + r.body() + "]");
                    }
                }
                assertEquals(etcdSaw, kvorumSaw);
                assertTrue(kvorumSaw.get(0).startsWith("exit 4\n"), kvorumSaw.get(0));
                assertTrue(kvorumSaw.get(0).contains("returns server error [Not Implemented]"), kvorumSaw.get(0));
                assertEquals("PUT 501 length 0 body []", kvorumSaw.get(5));
            } finally {
                kvorumProxy.terminate(Duration.ofSeconds(10));
                etcdProxy.terminate(Duration.ofSeconds(10));
            }
        }
    }

    private ManagedProcess startKvorumProxy(String mode, Path dataDir, String initialCluster) {
        Path launcher = KvorumProcess.home().resolve("bin").resolve("kvorum");
        return ManagedProcess.start("kvorum-proxy", List.of(launcher.toString(), "--proxy", mode,
                "--data-dir", dataDir.toString(), "--listen-client-urls", "http://127.0.0.1:0",
                "--initial-cluster", initialCluster, "--proxy-refresh-interval", "500",
                "--proxy-failure-wait", "1000"), work.resolve("log-" + System.nanoTime()), Map.of());
    }

    /** How many endpoints the proxy's {@code /v2/config/local/proxy} lists; -1 while it does not answer. */
    private static int endpoints(URI proxy) {
        try {
            HttpResponse<String> r = get(proxy, "/v2/config/local/proxy");
            return r.statusCode() != 200 ? -1 : r.body().split("\"http", -1).length - 1;
        } catch (IOException | InterruptedException | RuntimeException e) {
            return -1;
        }
    }

    private static HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String ok(String stdout) {
        return "exit 0\n" + stdout + "stderr: ";
    }

    /**
     * {@code ETCDCTL_API=2 etcdctl --no-sync --endpoints <proxy> <args>}: exit code, stdout, stderr.
     * Without {@code --no-sync} etcdctl lists the members through the proxy and then talks to them directly.
     */
    private static String etcdctl(URI endpoint, String... args) {
        List<String> all = new ArrayList<>(List.of("--no-sync"));
        all.addAll(List.of(args));
        return etcdctlAt(endpoint, all.toArray(String[]::new));
    }

    private static String etcdctlAt(URI endpoint, String... args) {
        return EtcdctlV2.run(endpoint, args);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("within " + WAIT.toSeconds() + " s: " + what);
            }
            ManagedProcess.pause(100);
        }
    }
}
